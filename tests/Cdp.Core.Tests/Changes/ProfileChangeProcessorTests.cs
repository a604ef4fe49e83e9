using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing;
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

    private sealed class Recording : IProfileChangeSubscriber
    {
        public List<long> Versions { get; } = [];

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
            Deleted.Add(change.Deleted);
            return Task.CompletedTask;
        }
    }
}
