using Cdp.Core.Identity;

namespace Cdp.Testing.Contracts;

/// <summary>What every <see cref="IIdentityIndex"/> must do. Each adapter's tests derive from this.</summary>
public abstract class IdentityIndexContract
{
    /// <summary>An index to test; identifiers are unique per test, so a shared store is fine.</summary>
    protected abstract IIdentityIndex Index { get; }

    private static Identifier NewUser() => new(Identifier.UserId, "u-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task ClaimAsync_FirstClaimWins_LaterClaimLearnsOwner()
    {
        var user = NewUser();

        Assert.Equal("p1", await Index.ClaimAsync(user, "p1", CancellationToken.None));
        Assert.Equal("p1", await Index.ClaimAsync(user, "p2", CancellationToken.None));
        Assert.Equal("p1", await Index.FindAsync(user, CancellationToken.None));
    }

    [Fact]
    public async Task ClaimAsync_AgainByOwner_IsIdempotent()
    {
        var user = NewUser();
        await Index.ClaimAsync(user, "p1", CancellationToken.None);

        Assert.Equal("p1", await Index.ClaimAsync(user, "p1", CancellationToken.None));
    }

    [Fact]
    public async Task FindAsync_Unknown_ReturnsNull()
    {
        Assert.Null(await Index.FindAsync(NewUser(), CancellationToken.None));
    }

    [Fact]
    public async Task ClaimAsync_SameValueDifferentType_AreDifferentIdentifiers()
    {
        var value = Guid.NewGuid().ToString("N");
        await Index.ClaimAsync(new Identifier(Identifier.UserId, value), "p1", CancellationToken.None);

        Assert.Equal("p2", await Index.ClaimAsync(new Identifier(Identifier.AnonymousId, value), "p2", CancellationToken.None));
    }

    [Fact]
    public async Task ClaimAsync_ValueWithReservedCharacters_RoundTrips()
    {
        var odd = new Identifier(Identifier.AnonymousId, $"a/b\\c?d#e:{Guid.NewGuid():N} é");

        await Index.ClaimAsync(odd, "p1", CancellationToken.None);

        Assert.Equal("p1", await Index.FindAsync(odd, CancellationToken.None));
    }

    [Fact]
    public async Task ClaimAsync_ConcurrentClaims_ExactlyOneOwner()
    {
        var user = NewUser();

        var owners = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => Index.ClaimAsync(user, $"p{i}", CancellationToken.None))));

        var owner = Assert.Single(owners.Distinct());
        Assert.Equal(owner, await Index.FindAsync(user, CancellationToken.None));
    }
}
