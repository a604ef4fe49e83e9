using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.Profiles;

namespace Cdp.Testing.Contracts;

/// <summary>
/// What every <see cref="IProfileChangeFeed"/> must do over the writes of its <see cref="IProfileStore"/>:
/// changes of a profile in write order with rising versions and what they changed, the latest never skipped,
/// a checkpoint per consumer, the same changes again after a crash before the checkpoint, deletions as tombstones.
/// </summary>
/// <remarks>
/// Each test uses its own consumers and profiles; other tests' changes in a shared store are read and ignored.
/// </remarks>
public abstract class ProfileChangeFeedContract
{
    private const int Page = 1000;
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly MergePolicy Policy = TestDomain.Policy();

    protected abstract IProfileStore Store { get; }

    /// <summary>A reader of the feed as a freshly started process has it (no state but the stored checkpoints).</summary>
    protected abstract IProfileChangeFeed OpenFeed();

    private static string NewId(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Changes_OfAProfile_ArriveInWriteOrder_WithRisingVersions_AndWhatEachChanged()
    {
        var (consumer, id) = (NewId("c"), NewId("p"));
        var feed = OpenFeed();
        var profile = new Profile(id, T0);
        profile.SetTrait("plan", new Trait(JsonValue.Create("free"), T0, "m1", "web"), Policy);
        var tag = await Store.TryCreateAsync(profile, CancellationToken.None);

        var first = await DrainAsync(feed, consumer, id);

        var created = Assert.Single(first);
        Assert.Equal((id, tag, 1L), (created.ProfileId, created.VersionTag, created.Profile.Version));
        Assert.Equal(["traits.plan"], created.Profile.ChangedPaths);
        Assert.False(created.Deleted);

        profile.Committed();
        profile.SetTrait("plan", new Trait(JsonValue.Create("pro"), T0.AddMinutes(1), "m2", "web"), Policy);
        tag = await Store.TryReplaceAsync(profile, tag!, CancellationToken.None);
        profile.Committed();
        profile.Count("track", T0.AddMinutes(2));
        tag = await Store.TryReplaceAsync(profile, tag!, CancellationToken.None);

        var later = await DrainAsync(feed, consumer, id);

        // A feed may deliver only the latest of the versions written since the last read (Cosmos DB's
        // latest-version mode does), but never skips the latest, and never goes back.
        Assert.NotEmpty(later);
        Assert.Equal(later.Select(c => c.Profile.Version).Order(), later.Select(c => c.Profile.Version));
        Assert.True(later[0].Profile.Version > 1);
        var latest = later[^1];
        Assert.Equal((tag, 3L), (latest.VersionTag, latest.Profile.Version));
        Assert.Equal(["counters.track"], latest.Profile.ChangedPaths);
        Assert.Equal("pro", latest.Profile.Traits["plan"].Value!.GetValue<string>());
    }

    [Fact]
    public async Task Checkpoint_MovesOnlyItsConsumerOn()
    {
        var (a, b, id) = (NewId("a"), NewId("b"), NewId("p"));
        var feed = OpenFeed();
        await Store.TryCreateAsync(new Profile(id, T0), CancellationToken.None);

        Assert.Single(await DrainAsync(feed, a, id));
        Assert.Empty(await DrainAsync(feed, a, id));
        Assert.Single(await DrainAsync(OpenFeed(), b, id));
    }

    [Fact]
    public async Task WithoutCheckpoint_AfterACrash_TheSameChangesAreDeliveredAgain()
    {
        var (consumer, id) = (NewId("c"), NewId("p"));
        await Store.TryCreateAsync(new Profile(id, T0), CancellationToken.None);
        await DrainAsync(OpenFeed(), consumer, id);
        var profile = (await Store.GetAsync(id, CancellationToken.None))!;
        profile.Profile.Count("track", T0);
        await Store.TryReplaceAsync(profile.Profile, profile.VersionTag, CancellationToken.None);

        // Read, then "crash" before the checkpoint: a new process reads the same changes again.
        var handled = Mine(await ReadAllAsync(OpenFeed(), consumer, checkpoint: false), id);
        var redelivered = await DrainAsync(OpenFeed(), consumer, id);

        Assert.Equal(2L, Assert.Single(handled).Profile.Version);
        Assert.Equal(handled.Select(c => (c.VersionTag, c.Profile.Version)), redelivered.Select(c => (c.VersionTag, c.Profile.Version)));
        Assert.Empty(await DrainAsync(OpenFeed(), consumer, id));
    }

    [Fact]
    public async Task Read_GivesAtMostMaxCountChanges()
    {
        var consumer = NewId("c");
        for (var i = 0; i < 3; i++)
        {
            await Store.TryCreateAsync(new Profile(NewId("p"), T0), CancellationToken.None);
        }

        var batch = await OpenFeed().ReadAsync(consumer, 2, CancellationToken.None);

        Assert.InRange(batch.Changes.Count, 1, 2);
    }

    [Fact]
    public async Task Delete_ReachesTheFeedAsATombstone_AndTheIdCanBeCreatedAgain()
    {
        var (consumer, id) = (NewId("c"), NewId("p"));
        var feed = OpenFeed();
        var profile = new Profile(id, T0);
        profile.SetTrait("email", new Trait(JsonValue.Create("ada@example.com"), T0, "m1", "web"), Policy);
        await Store.TryCreateAsync(profile, CancellationToken.None);
        await DrainAsync(feed, consumer, id);
        var stored = (await Store.GetAsync(id, CancellationToken.None))!;

        Assert.True(await Store.TryDeleteAsync(stored, T0.AddDays(1), CancellationToken.None));

        var tombstone = Assert.Single(await DrainAsync(feed, consumer, id));
        Assert.True(tombstone.Deleted);
        Assert.Equal(2L, tombstone.Profile.Version);
        Assert.Equal([ProfileDocument.DeletedPath], tombstone.Profile.ChangedPaths);
        Assert.Empty(tombstone.Profile.Traits);
        Assert.Empty(tombstone.Profile.Identifiers);
        Assert.Null(await Store.GetAsync(id, CancellationToken.None));
        Assert.False(await Store.TryDeleteAsync(stored, T0.AddDays(2), CancellationToken.None));
        Assert.Null(await Store.TryReplaceAsync(stored.Profile, stored.VersionTag, CancellationToken.None));

        Assert.NotNull(await Store.TryCreateAsync(new Profile(id, T0.AddDays(3)), CancellationToken.None));
        Assert.Equal(T0.AddDays(3), (await Store.GetAsync(id, CancellationToken.None))!.Profile.CreatedAt);
        var recreated = Assert.Single(await DrainAsync(feed, consumer, id));
        Assert.False(recreated.Deleted);
    }

    /// <summary>Reads and checkpoints until the feed has nothing more; the changes of <paramref name="profileId"/>.</summary>
    private static async Task<List<ProfileChange>> DrainAsync(IProfileChangeFeed feed, string consumer, string profileId) =>
        Mine(await ReadAllAsync(feed, consumer, checkpoint: true), profileId);

    private static async Task<List<ProfileChange>> ReadAllAsync(IProfileChangeFeed feed, string consumer, bool checkpoint)
    {
        var all = new List<ProfileChange>();
        var batch = await feed.ReadAsync(consumer, Page, CancellationToken.None);
        while (batch.Changes.Count > 0)
        {
            all.AddRange(batch.Changes);
            if (!checkpoint)
            {
                break;
            }

            await feed.CheckpointAsync(consumer, batch, CancellationToken.None);
            batch = await feed.ReadAsync(consumer, Page, CancellationToken.None);
        }

        return all;
    }

    private static List<ProfileChange> Mine(List<ProfileChange> changes, string profileId) => [.. changes.Where(c => c.ProfileId == profileId)];
}
