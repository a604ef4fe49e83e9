using Cdp.Core.Identity;
using Cdp.Core.Profiles;

namespace Cdp.Testing.Contracts;

/// <summary>What every <see cref="IIdentityIndex"/> must do. Each adapter's tests derive from this.</summary>
public abstract class IdentityIndexContract
{
    /// <summary>An index to test; keys are unique per test, so a shared store is fine.</summary>
    protected abstract IIdentityIndex Index { get; }

    private static string NewKey() => TestDomain.Rules().KeyOf(new Identifier("user_id", "u-" + Guid.NewGuid().ToString("N")));

    [Fact]
    public async Task ClaimAsync_FirstClaimWins_LaterClaimLearnsOwner()
    {
        var key = NewKey();

        Assert.Equal("p1", await Index.ClaimAsync(key, "p1", CancellationToken.None));
        Assert.Equal("p1", await Index.ClaimAsync(key, "p2", CancellationToken.None));
        Assert.Equal("p1", await Index.FindAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task ClaimAsync_AgainByOwner_IsIdempotent()
    {
        var key = NewKey();
        await Index.ClaimAsync(key, "p1", CancellationToken.None);

        Assert.Equal("p1", await Index.ClaimAsync(key, "p1", CancellationToken.None));
    }

    [Fact]
    public async Task FindAsync_Unknown_ReturnsNull()
    {
        Assert.Null(await Index.FindAsync(NewKey(), CancellationToken.None));
    }

    [Fact]
    public async Task ClaimAsync_ConcurrentClaims_ExactlyOneOwner()
    {
        var key = NewKey();

        var owners = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => Index.ClaimAsync(key, $"p{i}", CancellationToken.None))));

        var owner = Assert.Single(owners.Distinct());
        Assert.Equal(owner, await Index.FindAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task ReassignAsync_FromTheOwner_Moves_AgainChangesNothing()
    {
        var key = NewKey();
        await Index.ClaimAsync(key, "p1", CancellationToken.None);

        Assert.Equal("p2", await Index.ReassignAsync(key, "p1", "p2", CancellationToken.None));
        Assert.Equal("p2", await Index.ReassignAsync(key, "p1", "p2", CancellationToken.None));
        Assert.Equal("p2", await Index.FindAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task ReassignAsync_FromANonOwner_LeavesTheOwner()
    {
        var key = NewKey();
        await Index.ClaimAsync(key, "p1", CancellationToken.None);

        Assert.Equal("p1", await Index.ReassignAsync(key, "p3", "p2", CancellationToken.None));
        Assert.Equal("p1", await Index.FindAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task ReassignAsync_Unclaimed_Claims()
    {
        var key = NewKey();

        Assert.Equal("p2", await Index.ReassignAsync(key, "p1", "p2", CancellationToken.None));
        Assert.Equal("p2", await Index.FindAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task ReassignAsync_ConcurrentMovesFromOneOwner_ExactlyOneWins()
    {
        var key = NewKey();
        await Index.ClaimAsync(key, "p0", CancellationToken.None);

        var owners = await Task.WhenAll(Enumerable.Range(1, 6).Select(i =>
            Task.Run(() => Index.ReassignAsync(key, "p0", $"p{i}", CancellationToken.None))));

        var owner = await Index.FindAsync(key, CancellationToken.None);
        Assert.NotEqual("p0", owner);
        Assert.All(owners, o => Assert.Equal(owner, o));
    }
}
