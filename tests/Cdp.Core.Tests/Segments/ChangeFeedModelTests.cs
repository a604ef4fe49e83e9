using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.Events;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Cdp.Testing.Model;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Segments;

/// <summary>
/// The change processor under the deliveries Cosmos DB's change feed may make (issue 17): random sequences of profile
/// writes of two people, read with every version, only the latest version since the last read, a batch handed on
/// twice, an old batch handed on again, and consumers restarting (forgetting what they handled); then every change
/// read to the end. Checked against what the writes say must have happened: each person is in the segment exactly
/// when their last plan is "pro", its transitions alternate (entered first) and end in that state, each entry
/// enrolled the journey triggered by it exactly once, and each track event enrolled at most once.
/// </summary>
public sealed class ChangeFeedModelTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private enum Op
    {
        Pro,
        Free,
        Visit,
        FeedAll,
        FeedLatest,
        FeedTwice,
        ReplayOld,
        Restart,
    }

    private static readonly Gen<(Op Op, int User)[]> Runs =
        Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 1]).Array[1, 40];

    private sealed class World
    {
        private readonly FakeTimeProvider _time = new(T0);
        private readonly List<IReadOnlyList<ProfileChange>> _delivered = [];
        private readonly SegmentEvaluator _evaluator;
        private readonly JourneyTriggers _triggers;
        private ProfileChangeProcessor _processor;
        private int _messages;

        public World()
        {
            var catalog = new SegmentCatalog(Segments, _time, NullLogger<SegmentCatalog>.Instance);
            var service = new SegmentService(Segments, catalog, Segments, _time);
            Assert.NotNull(service.PutAsync("pro", new SegmentRequest("Pro", "text(\"plan\") == \"pro\""), CancellationToken.None).GetAwaiter().GetResult().Segment);
            _evaluator = new SegmentEvaluator(catalog, Stores, Segments, Segments, _time, NullLogger<SegmentEvaluator>.Instance);
            Journeys.TryPutAsync(new JourneyDefinition("welcome", "welcome", new JourneyTrigger(SegmentEntered: "pro"), [new JourneyStep(JourneyStep.Wait, Duration: "P1D")], JourneyReEntry.Always), null, CancellationToken.None).GetAwaiter().GetResult();
            Journeys.TryPutAsync(new JourneyDefinition("visits", "visits", new JourneyTrigger(Event: "Visited"), [new JourneyStep(JourneyStep.Wait, Duration: "P1D")], JourneyReEntry.Always), null, CancellationToken.None).GetAwaiter().GetResult();
            _triggers = new JourneyTriggers(new JourneyCatalog(Journeys, _time), Journeys, _time, NullLogger<JourneyTriggers>.Instance);
            _processor = NewProcessor();
            Ingest = TestDomain.Ingest(Stores, time: _time);
        }

        public InMemoryStores Stores { get; } = new();

        public InMemorySegments Segments { get; } = new();

        public InMemoryJourneys Journeys { get; } = new();

        public RecordingJourneyRuntime Runtime { get; } = new();

        public Cdp.Core.Ingest.IngestService Ingest { get; }

        public Dictionary<int, string> Plans { get; } = [];

        public Dictionary<int, int> Visits { get; } = [];

        private ProfileChangeProcessor NewProcessor() => new([_evaluator, _triggers], NullLogger<ProfileChangeProcessor>.Instance);

        public async Task ApplyAsync(Op op, int user, Random random)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            switch (op)
            {
                case Op.Pro or Op.Free:
                    Plans[user] = op == Op.Pro ? "pro" : "free";
                    await SendAsync(user, new Message { MessageId = $"m{++_messages}", Type = MessageType.Identify, Traits = new JsonObject { ["plan"] = Plans[user] } });
                    break;
                case Op.Visit:
                    Visits[user] = Visits.GetValueOrDefault(user) + 1;
                    await SendAsync(user, new Message { MessageId = $"m{++_messages}", Type = MessageType.Track, Event = "Visited" });
                    break;
                case Op.FeedAll:
                    await ReadAsync(latestOnly: false, twice: false);
                    break;
                case Op.FeedLatest:
                    await ReadAsync(latestOnly: true, twice: false);
                    break;
                case Op.FeedTwice:
                    await ReadAsync(latestOnly: random.Next(2) == 0, twice: true);
                    break;
                case Op.ReplayOld when _delivered.Count > 0:
                    await HandAsync(_delivered[random.Next(_delivered.Count)]);
                    break;
                case Op.Restart:
                    _processor = NewProcessor();
                    break;
            }
        }

        /// <summary>Reads every change to the end, as a consumer that keeps up.</summary>
        public async Task DrainAsync()
        {
            for (var i = 0; i < 100 && (await Stores.ReadAsync("model", 1000, CancellationToken.None)).Changes.Count > 0; i++)
            {
                await ReadAsync(latestOnly: false, twice: false);
            }
        }

        private async Task SendAsync(int user, Message message)
        {
            var now = _time.GetUtcNow();
            await Ingest.ProcessAsync([message with { UserId = $"u{user}", SourceId = "web", Timestamp = now, ReceivedAt = now }], CancellationToken.None);
        }

        private async Task ReadAsync(bool latestOnly, bool twice)
        {
            var batch = await Stores.ReadAsync("model", 1000, CancellationToken.None);
            var changes = latestOnly ? [.. batch.Changes.GroupBy(c => c.ProfileId).Select(g => g.MaxBy(c => c.Profile.Version)!)] : batch.Changes;
            await HandAsync(changes);
            if (twice)
            {
                await HandAsync(changes);
            }

            await Stores.CheckpointAsync("model", batch, CancellationToken.None);
            _delivered.Add(changes);
        }

        private Task HandAsync(IReadOnlyList<ProfileChange> changes) =>
            _processor.ProcessAsync(changes, new ProfileChangeContext(Runtime), CancellationToken.None);
    }

    private static async Task CheckAsync((Op Op, int User)[] run)
    {
        var world = new World();
        var random = new Random(run.Length * 7919 + run.Sum(o => (int)o.Op * 31 + o.User));
        foreach (var (op, user) in run)
        {
            await world.ApplyAsync(op, user, random);
        }

        await world.DrainAsync();
        var members = 0;
        foreach (var user in world.Plans.Keys.Union(world.Visits.Keys))
        {
            var id = await world.Stores.FindAsync(TestDomain.Rules().KeyOf(new Identifier("user_id", $"u{user}")), CancellationToken.None);
            var profile = (await world.Stores.GetAsync(id!, CancellationToken.None))!.Profile;
            var member = world.Plans.GetValueOrDefault(user) == "pro";
            Assert.Equal(member, profile.Segments.ContainsKey("pro"));
            members += member ? 1 : 0;

            var transitions = world.Segments.Transitions.Where(t => t.ProfileId == id).OrderBy(t => t.ProfileVersion).ToList();
            for (var i = 0; i < transitions.Count; i++)
            {
                Assert.Equal(i % 2 == 0 ? SegmentTransitionKind.Entered : SegmentTransitionKind.Exited, transitions[i].Kind);
            }

            Assert.Equal(member, transitions.Count % 2 == 1);
            var enrolled = world.Journeys.Instances.Where(i => i.ProfileId == id).ToList();
            Assert.Equal(
                transitions.Where(t => t.Kind == SegmentTransitionKind.Entered).Select(t => $"segment:pro:{t.ProfileVersion}").Order(StringComparer.Ordinal),
                enrolled.Where(i => i.JourneyId == "welcome").Select(i => i.Trigger).Order(StringComparer.Ordinal));
            var visits = enrolled.Where(i => i.JourneyId == "visits").ToList();
            Assert.InRange(visits.Count, world.Visits.GetValueOrDefault(user) > 0 ? 1 : 0, world.Visits.GetValueOrDefault(user));
        }

        Assert.Equal(members, await world.Segments.CountMembersAsync("pro", CancellationToken.None));
        Assert.Equal(world.Journeys.Instances.Count, world.Runtime.Started.Count);
    }

    [Fact]
    public void ReactionsHold_UnderSkippedDuplicatedReplayedVersionsAndRestarts() =>
        Runs.Sample(run => CheckAsync(run).GetAwaiter().GetResult(), iter: IdentityModel.Iterations(), threads: 1);
}
