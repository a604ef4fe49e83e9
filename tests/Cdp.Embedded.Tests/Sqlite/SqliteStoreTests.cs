using System.Text.Json.Nodes;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;

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

    [Fact]
    public async Task AFolderFromBeforeEventRetention_GetsTheColumn_AndItsOldEventsExpireAtTheFirstPruning()
    {
        var directory = OldFolder("""
            CREATE TABLE profile_events (profile_id TEXT NOT NULL, message_id TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (profile_id, message_id));
            INSERT INTO profile_events VALUES ('p1', 'm0', '2026-01-01T00:00:00.0000000Z', '{"profileId":"p1","messageId":"m0","type":"track","timestamp":"2026-01-01T00:00:00+00:00"}');
            PRAGMA user_version = 4;
            """);

        using var store = new EmbeddedStore(directory);
        await store.Events.AppendAsync([new ProfileEvent("p1", "m1", Core.Events.MessageType.Track, store.Time.GetUtcNow(), "web")], CancellationToken.None);
        Assert.Equal(["m1", "m0"], (await store.Events.ListAsync("p1", 10, CancellationToken.None)).Select(e => e.MessageId));

        Assert.Equal(1, await store.Events.PruneAsync(store.Time.GetUtcNow() - IProfileEventStore.Retention, CancellationToken.None));
        Assert.Equal(["m1"], (await store.Events.ListAsync("p1", 10, CancellationToken.None)).Select(e => e.MessageId));
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>Issue 17, item 10: a folder from schema 7 gets its member counts once and its transitions a recording time.</summary>
    [Fact]
    public async Task AFolderFromBeforeKeptCounts_CountsItsMembersOnce_AndItsTransitionsExpireByTheirTime()
    {
        var directory = OldFolder("""
            CREATE TABLE segment_transitions (id TEXT PRIMARY KEY, segment_id TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL);
            CREATE TABLE segment_members (segment_id TEXT NOT NULL, profile_id TEXT NOT NULL, version INTEGER NOT NULL, member INTEGER NOT NULL, PRIMARY KEY (segment_id, profile_id));
            INSERT INTO segment_members VALUES ('vip', 'p1', 1, 1), ('vip', 'p2', 1, 1), ('vip', 'p3', 2, 0), ('trial', 'p1', 3, 0);
            INSERT INTO segment_transitions VALUES ('vip:p1:1', 'vip', '2026-01-01T00:00:00.0000000Z', '{"id":"vip:p1:1","segmentId":"vip","profileId":"p1","kind":"entered","at":"2026-01-01T00:00:00+00:00","profileVersion":1}');
            PRAGMA user_version = 7;
            """);

        using (var store = new EmbeddedStore(directory))
        {
            var segments = new Cdp.Embedded.Sqlite.SqliteSegments(store.Database, store.Time);
            Assert.Equal((2L, 0L), (await segments.CountMembersAsync("vip", CancellationToken.None), await segments.CountMembersAsync("trial", CancellationToken.None)));
            await segments.RecordAsync([SegmentTransition.Of("vip", "p4", SegmentTransitionKind.Entered, store.Time.GetUtcNow(), 1)], CancellationToken.None);
            Assert.Equal(1, await segments.PruneTransitionsAsync(store.Time.GetUtcNow() - ISegmentTransitions.Retention, CancellationToken.None));
            Assert.Equal(["vip:p4:1"], (await segments.ListAsync("vip", 10, CancellationToken.None)).Select(t => t.Id));
        }

        // Opening it again counts nothing twice.
        using (var again = new EmbeddedStore(directory))
        {
            Assert.Equal(3, await new Cdp.Embedded.Sqlite.SqliteSegments(again.Database, again.Time).CountMembersAsync("vip", CancellationToken.None));
        }

        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task ChangeLogCompaction_KeepsTheLatestChangeOfEachProfile_AndWhatAConsumerHasNotRead()
    {
        using var store = new EmbeddedStore();
        var t0 = store.Time.GetUtcNow();
        var ada = new Profile("p_ada", t0);
        var tag = await store.Profiles.TryCreateAsync(ada, CancellationToken.None);
        ada.Committed();
        for (var i = 0; i < 3; i++)
        {
            ada.Count("track", t0.AddMinutes(i));
            tag = await store.Profiles.TryReplaceAsync(ada, tag!, CancellationToken.None);
            ada.Committed();
        }

        await store.Profiles.TryCreateAsync(new Profile("p_bob", t0), CancellationToken.None);
        var read = await store.Profiles.ReadAsync("early", 3, CancellationToken.None);
        await store.Profiles.CheckpointAsync("early", read, CancellationToken.None);

        // "early" has read ada's first three changes: all three are superseded (by her fourth), the rest is kept.
        Assert.Equal(3, await store.Profiles.CompactAsync(CancellationToken.None));
        await store.Profiles.CheckpointAsync("early", await store.Profiles.ReadAsync("early", 100, CancellationToken.None), CancellationToken.None);
        Assert.Equal(0, await store.Profiles.CompactAsync(CancellationToken.None));

        var late = await store.Profiles.ReadAsync("late", 100, CancellationToken.None);
        Assert.Equal([("p_ada", 4L), ("p_bob", 1L)], late.Changes.Select(c => (c.ProfileId, c.Profile.Version)));
    }

    /// <summary>A data folder whose <c>cdp.db</c> an earlier release left: made by <paramref name="sql"/>.</summary>
    private static string OldFolder(string sql)
    {
        var directory = Path.Combine(Path.GetTempPath(), "cdp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        using var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(directory, "cdp.db")};Pooling=False");
        old.Open();
        using var create = old.CreateCommand();
        create.CommandText = sql;
        create.ExecuteNonQuery();
        return directory;
    }
}
