using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.DeadLetters;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cdp.Core.Tests.Changes;

public class ProfileChangeProcessorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly MergePolicy Policy = TestDomain.Policy();
    private readonly Recording _subscriber = new();
    private readonly ProfileChangeProcessor _processor;

    public ProfileChangeProcessorTests() => _processor = new ProfileChangeProcessor([_subscriber], NullLogger<ProfileChangeProcessor>.Instance);

    /// <summary>The profile's successive writes, as the change feed delivers them: version 1 (created), 2, 3.</summary>
    private static List<ProfileChange> Writes(string id)
    {
        var profile = new Profile(id, T0);
        var changes = new List<ProfileChange>();
        void Write()
        {
            changes.Add(new ProfileChange(id, $"etag-{profile.Version}", profile.ToDocument()));
            profile.Committed();
        }

        profile.Link(new Identifier("user_id", "u1"), T0);
        profile.Count("identify", T0);
        Write();
        profile.SetTrait("plan", new Trait(JsonValue.Create("pro"), T0.AddMinutes(1), "m2"), Policy);
        Write();
        profile.SetTrait("plan", new Trait(JsonValue.Create("team"), T0.AddMinutes(2), "m3"), Policy);
        profile.Count("track", T0.AddMinutes(2));
        Write();
        return changes;
    }

    private Task Process(params ProfileChange[] changes) => _processor.ProcessAsync(changes, new ProfileChangeContext(null!), CancellationToken.None);

    [Fact]
    public void EachWrite_HasTheNextVersion_AndNamesWhatItChanged()
    {
        var changes = Writes("p1");

        Assert.Equal([1L, 2L, 3L], changes.Select(c => c.Profile.Version));
        Assert.Equal(["counters.identify", "identifiers"], changes[0].Profile.ChangedPaths);
        Assert.Equal(["traits.plan"], changes[1].Profile.ChangedPaths);
        Assert.Equal(["counters.track", "traits.plan"], changes[2].Profile.ChangedPaths);
    }

    [Fact]
    public async Task RedeliveredChange_IsNotHandedOnAgain()
    {
        var changes = Writes("p1");

        await Process(changes[0], changes[1]);
        await Process(changes[0], changes[1]);

        Assert.Equal([1L, 2L], _subscriber.Versions);
    }

    [Fact]
    public async Task OlderChangeAfterANewerOne_IsSkipped_NewerOnesStillCome()
    {
        var changes = Writes("p1");

        await Process(changes[1]);
        await Process(changes[0]);
        await Process(changes[2]);

        Assert.Equal([2L, 3L], _subscriber.Versions);
    }

    [Fact]
    public async Task VersionsAreKeptPerProfile()
    {
        await Process(Writes("p1")[2], Writes("p2")[0]);

        Assert.Equal([3L, 1L], _subscriber.Versions);
    }

    [Fact]
    public async Task SubscriberFailure_TheChangeIsHandedOnAgainOnRedelivery()
    {
        var change = Writes("p1")[0];
        _subscriber.FailNext = true;

        await Assert.ThrowsAsync<InvalidOperationException>(() => Process(change));
        await Process(change);

        Assert.Equal([1L], _subscriber.Versions);
    }

    [Fact]
    public async Task SchemaVersion1Document_WithoutVersion_IsAlwaysHandedOn()
    {
        var old = new ProfileChange("p1", "etag", new ProfileDocument(1, "p1", T0, T0, [], new Dictionary<string, Trait>()));

        await Process(old);
        await Process(old);

        Assert.Equal([0L, 0L], _subscriber.Versions);
    }

    [Fact]
    public async Task Deletion_IsHandedOn_AndAnIdCreatedAgainStartsOverAtVersion1()
    {
        var changes = Writes("p1");
        var tombstone = new ProfileChange("p1", "etag-4", ProfileDocument.Tombstone("p1", 3, T0.AddDays(1)));
        var recreated = Writes("p1")[0];

        await Process(changes[2], tombstone);
        await Process(recreated);

        Assert.Equal([3L, 4L, 1L], _subscriber.Versions);
        Assert.Equal([false, true, false], _subscriber.Deleted);
    }


    /// <summary>Issue 17, item 9: a change a subscriber fails on deterministically is tried a bounded number of times, then parked; the feed goes on.</summary>
    [Fact]
    public async Task ADeterministicFailure_IsTriedABoundedNumberOfTimes_ThenParked_AndTheNextChangesAreHandled()
    {
        var stores = new InMemoryStores();
        var failing = new Failing(new InvalidOperationException("rule bug"), "bad");
        var after = new Recording();
        var processor = new ProfileChangeProcessor([failing, after], NullLogger<ProfileChangeProcessor>.Instance, deadLetters: new ProfileChangeReplay(stores, stores, TimeProvider.System));
        var bad = Writes("bad");
        var good = Writes("good");

        await processor.ProcessAsync([bad[0], good[0]], new ProfileChangeContext(null!), CancellationToken.None);

        Assert.Equal(ProfileChangeProcessor.MaxAttempts, failing.Calls["bad"]);
        Assert.Equal(1, failing.Calls["good"]);
        Assert.Equal([1L, 1L], after.Versions); // the other subscriber handled both
        var letter = Assert.Single(stores.DeadLetters);
        Assert.Equal(DeadLetter.ChangesStage, letter.Stage);
        Assert.Contains("rule bug", letter.Reason, StringComparison.Ordinal);
        Assert.Equal("bad", JsonNode.Parse(letter.Body)!["profileId"]!.GetValue<string>());

        // Redelivered: handled already, nothing more is parked.
        await processor.ProcessAsync([bad[0]], new ProfileChangeContext(null!), CancellationToken.None);
        Assert.Single(stores.DeadLetters);
    }

    /// <summary>A transient failure (a store down) is not parked: the batch fails and the feed redelivers it.</summary>
    [Fact]
    public async Task ATransientFailure_FailsTheBatch_AndParksNothing()
    {
        var stores = new InMemoryStores();
        var failing = new Failing(new TimeoutException("store down"), "p1");
        var processor = new ProfileChangeProcessor([failing], NullLogger<ProfileChangeProcessor>.Instance, deadLetters: new ProfileChangeReplay(stores, stores, TimeProvider.System));

        await Assert.ThrowsAsync<TimeoutException>(() => processor.ProcessAsync([Writes("p1")[0]], new ProfileChangeContext(null!), CancellationToken.None));
        Assert.Empty(stores.DeadLetters);
    }

    /// <summary>Replaying a change letter marks the profile for a catch-up: its next change is handed on as one, and the letter goes.</summary>
    [Fact]
    public async Task ReplayingAChangeLetter_MakesTheNextChangeACatchUp()
    {
        var stores = new InMemoryStores();
        var replay = new ProfileChangeReplay(stores, stores, TimeProvider.System);
        var profile = new Profile("p1", T0);
        profile.Link(new Identifier("user_id", "u1"), T0);
        Assert.NotNull(await stores.TryCreateAsync(profile, CancellationToken.None));
        var stored = (await stores.GetAsync("p1", CancellationToken.None))!;
        await replay.KeepAsync(new ProfileChange("p1", stored.VersionTag, stored.Profile.ToDocument()), "SegmentEvaluator", new InvalidOperationException("bug"), CancellationToken.None);
        var letter = Assert.Single(stores.DeadLetters);

        Assert.Null(await replay.ReplayAsync(letter, CancellationToken.None));

        Assert.Empty(stores.DeadLetters);
        var marked = (await stores.GetAsync("p1", CancellationToken.None))!.Profile;
        Assert.Equal(2, marked.Version);
        Assert.Equal(2, marked.CatchUp);
        var seen = new Recording();
        var processor = new ProfileChangeProcessor([seen], NullLogger<ProfileChangeProcessor>.Instance);
        await processor.ProcessAsync([new ProfileChange("p1", "t1", stored.Profile.ToDocument()), new ProfileChange("p1", "t2", marked.ToDocument())], new ProfileChangeContext(null!), CancellationToken.None);
        Assert.Equal([null, 0L], seen.MissedAfter);
    }

    private sealed class Failing(Exception failure, string profileId) : IProfileChangeSubscriber
    {
        public Dictionary<string, int> Calls { get; } = [];

        public Task OnProfileChangedAsync(ProfileChange change, ProfileChangeContext context, CancellationToken cancellationToken)
        {
            Calls[change.ProfileId] = Calls.GetValueOrDefault(change.ProfileId) + 1;
            return change.ProfileId == profileId ? Task.FromException(failure) : Task.CompletedTask;
        }
    }

    private sealed class Recording : IProfileChangeSubscriber
    {
        public List<long> Versions { get; } = [];

        public List<long?> MissedAfter { get; } = [];

        public List<bool> Deleted { get; } = [];

        public bool FailNext { get; set; }

        public Task OnProfileChangedAsync(ProfileChange change, ProfileChangeContext context, CancellationToken cancellationToken)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("subscriber down");
            }

            Versions.Add(change.Profile.Version);
            MissedAfter.Add(change.MissedAfter);
            Deleted.Add(change.Deleted);
            return Task.CompletedTask;
        }
    }
}
