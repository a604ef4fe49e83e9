using System.Text.Json.Nodes;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;

namespace Cdp.Embedded.Tests.Sqlite;

public class SqliteStoreTests
{
    private static readonly Identifier User = new(Identifier.UserId, "u1");

    [Fact]
    public async Task ClaimAsync_FirstClaimWins_LaterClaimLearnsOwner()
    {
        using var store = new EmbeddedStore();

        Assert.Equal("p1", await store.Identities.ClaimAsync(User, "p1", CancellationToken.None));
        Assert.Equal("p1", await store.Identities.ClaimAsync(User, "p2", CancellationToken.None));
        Assert.Equal("p1", await store.Identities.ClaimAsync(User, "p1", CancellationToken.None));
        Assert.Equal("p1", await store.Identities.FindAsync(User, CancellationToken.None));
        Assert.Null(await store.Identities.FindAsync(new Identifier(Identifier.UserId, "u2"), CancellationToken.None));
    }

    [Fact]
    public async Task ClaimAsync_ConcurrentClaims_OneOwner()
    {
        using var store = new EmbeddedStore();

        var owners = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => store.Identities.ClaimAsync(User, $"p{i}", CancellationToken.None))));

        Assert.Single(owners.Distinct());
    }

    [Fact]
    public async Task TryCreateAsync_Existing_ReturnsFalse()
    {
        using var store = new EmbeddedStore();

        Assert.True(await store.Profiles.TryCreateAsync(new Profile("p1", Messages.T0), CancellationToken.None));
        Assert.False(await store.Profiles.TryCreateAsync(new Profile("p1", Messages.T0), CancellationToken.None));
    }

    [Fact]
    public async Task TryReplaceAsync_StaleVersion_FailsAndRetrySucceeds()
    {
        using var store = new EmbeddedStore();
        await store.Profiles.TryCreateAsync(new Profile("p1", Messages.T0), CancellationToken.None);
        var first = (await store.Profiles.GetAsync("p1", CancellationToken.None))!;
        var second = (await store.Profiles.GetAsync("p1", CancellationToken.None))!;

        first.Profile.SetTrait("plan", JsonValue.Create("pro"), Messages.T0, "m1");
        Assert.True(await store.Profiles.TryReplaceAsync(first.Profile, first.VersionTag, CancellationToken.None));
        second.Profile.SetTrait("name", JsonValue.Create("Ada"), Messages.T0, "m2");
        Assert.False(await store.Profiles.TryReplaceAsync(second.Profile, second.VersionTag, CancellationToken.None));

        var reloaded = (await store.Profiles.GetAsync("p1", CancellationToken.None))!;
        reloaded.Profile.SetTrait("name", JsonValue.Create("Ada"), Messages.T0, "m2");
        Assert.True(await store.Profiles.TryReplaceAsync(reloaded.Profile, reloaded.VersionTag, CancellationToken.None));
        var final = (await store.Profiles.GetAsync("p1", CancellationToken.None))!.Profile;
        Assert.Equal(["name", "plan"], final.Traits.Keys);
    }

    [Fact]
    public async Task ChangeFeed_DeliversEveryWriteInOrder_UntilCheckpointed()
    {
        using var store = new EmbeddedStore();
        await store.Profiles.TryCreateAsync(new Profile("p1", Messages.T0), CancellationToken.None);
        var stored = (await store.Profiles.GetAsync("p1", CancellationToken.None))!;
        stored.Profile.SetTrait("plan", JsonValue.Create("pro"), Messages.T0, "m1");
        await store.Profiles.TryReplaceAsync(stored.Profile, stored.VersionTag, CancellationToken.None);
        await store.Profiles.TryReplaceAsync(stored.Profile, stored.VersionTag, CancellationToken.None); // stale: no change

        var batch = await store.Profiles.ReadAsync("c", 10, CancellationToken.None);
        var redelivered = await store.Profiles.ReadAsync("c", 10, CancellationToken.None);
        await store.Profiles.CheckpointAsync("c", batch, CancellationToken.None);
        var after = await store.Profiles.ReadAsync("c", 10, CancellationToken.None);

        Assert.Equal(["1", "2"], batch.Changes.Select(c => c.VersionTag));
        Assert.Contains("plan", batch.Changes[1].Profile.Traits.Keys);
        Assert.Equal(batch.Changes.Count, redelivered.Changes.Count);
        Assert.Empty(after.Changes);
    }

    [Fact]
    public async Task Restart_KeepsIdentitiesProfilesAndChangeCheckpoints()
    {
        using var store = new EmbeddedStore();
        await store.Identities.ClaimAsync(User, "p1", CancellationToken.None);
        await store.Profiles.TryCreateAsync(new Profile("p1", Messages.T0), CancellationToken.None);
        await store.Profiles.CheckpointAsync("c", await store.Profiles.ReadAsync("c", 10, CancellationToken.None), CancellationToken.None);

        using var restarted = store.Reopen();

        Assert.Equal("p1", await restarted.Identities.FindAsync(User, CancellationToken.None));
        Assert.NotNull(await restarted.Profiles.GetAsync("p1", CancellationToken.None));
        Assert.Empty((await restarted.Profiles.ReadAsync("c", 10, CancellationToken.None)).Changes);
    }
}
