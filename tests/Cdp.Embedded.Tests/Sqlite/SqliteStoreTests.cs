using System.Text.Json.Nodes;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;

namespace Cdp.Embedded.Tests.Sqlite;

public class SqliteStoreTests
{
    private static readonly Identifier User = new("user_id", "u1");

    [Fact]
    public async Task ChangeFeed_DeliversEveryWriteInOrder_UntilCheckpointed()
    {
        using var store = new EmbeddedStore();
        await store.Profiles.TryCreateAsync(new Profile("p1", Messages.T0), CancellationToken.None);
        var stored = (await store.Profiles.GetAsync("p1", CancellationToken.None))!;
        stored.Profile.SetTrait("plan", new Trait(JsonValue.Create("pro"), Messages.T0, "m1"), store.Policy);
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
        await store.Identities.ClaimAsync(store.Rules.KeyOf(User), "p1", CancellationToken.None);
        await store.Profiles.TryCreateAsync(new Profile("p1", Messages.T0), CancellationToken.None);
        await store.Profiles.CheckpointAsync("c", await store.Profiles.ReadAsync("c", 10, CancellationToken.None), CancellationToken.None);

        using var restarted = store.Reopen();

        Assert.Equal("p1", await restarted.OwnerAsync(User));
        Assert.NotNull(await restarted.Profiles.GetAsync("p1", CancellationToken.None));
        Assert.Empty((await restarted.Profiles.ReadAsync("c", 10, CancellationToken.None)).Changes);
    }

    [Fact]
    public async Task ProcessedMessages_PruneAsync_ForgetsOnlyEntriesPastTheCutoff()
    {
        using var store = new EmbeddedStore();
        await store.Processed.AddAsync(["old"], Messages.T0.AddDays(-8), CancellationToken.None);
        await store.Processed.AddAsync(["recent"], Messages.T0.AddDays(-1), CancellationToken.None);

        var pruned = await store.Processed.PruneAsync(Messages.T0 - Core.Ingest.IProcessedMessageLog.Retention, CancellationToken.None);

        Assert.Equal(1, pruned);
        Assert.Equal(["recent"], await store.Processed.FindAsync(["old", "recent"], CancellationToken.None));
    }
}
