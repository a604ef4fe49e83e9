using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cdp.Core.Destinations;
using Cdp.Core.Events;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Cdp.Embedded.Consumers;
using Cdp.Testing.InMemory;
using Cdp.Testing.Model;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cdp.Embedded.Tests.Consumers;

/// <summary>
/// A destination's consumers on the embedded log and change log, under random runs of appends, ingest progress, profile
/// segment entries and exits, consumer steps that crash before or after the tool took a batch (the next step in the same
/// process goes on from the checkpoint) and restarts (a new process over the same files). Then ingest and every
/// consumer run to the end. What must hold: an event destination gets every message accepted after it was created at
/// least once (exactly once when nothing crashed), none from before, and none before ingest applied it; an audience
/// destination's last word on each person is their membership now.
/// </summary>
public sealed class DestinationCheckpointModelTests
{
    private enum Op
    {
        Append,
        Ingest,
        EventStep,
        Toggle,
        AudienceStep,
        Restart,
    }

    /// <summary>An operation; for steps, <c>Crash</c> 0 runs clean, 1..3 crash at that send (odd: before the tool took it; even: after).</summary>
    private sealed record Step(Op Op, int Arg, int Crash);

    private static readonly Gen<Step[]> Runs = Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 3], Gen.Int[0, 4], (op, arg, crash) => new Step(op, arg, crash)).Array[1, 30];

    private sealed class Crash : OperationCanceledException;

    /// <summary>The tool: keeps what it took; a planned crash throws before or after taking a batch.</summary>
    private sealed class Tool : IDestinationClient
    {
        public ConcurrentQueue<JsonObject> Events { get; } = new();

        public ConcurrentQueue<JsonObject> Audiences { get; } = new();

        public List<string> Violations { get; } = [];

        public HashSet<string> Applied { get; } = new(StringComparer.Ordinal);

        public int CrashAt { get; set; }

        private int _sends;

        public string Type => "tool";

        public DestinationReceives Receives => DestinationReceives.Both;

        public int MaxBatch => 3;

        public double DefaultRequestsPerSecond => 100_000;

        public IEnumerable<(string Field, string Problem)> Problems(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets) => [];

        public void Arm(int crash)
        {
            CrashAt = crash;
            _sends = 0;
        }

        public Task<DeliveryResult> SendAsync(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
        {
            _sends++;
            var crash = CrashAt > 0 && (_sends == (CrashAt + 1) / 2);
            if (crash && CrashAt % 2 == 1)
            {
                throw new Crash();
            }

            foreach (var item in items)
            {
                if (destination.ReceivesEvents)
                {
                    if (!Applied.Contains(item["messageId"]!.GetValue<string>()))
                    {
                        Violations.Add($"{item["messageId"]} sent before ingest applied it");
                    }

                    Events.Enqueue(item);
                }
                else
                {
                    Audiences.Enqueue(item);
                }
            }

            return crash ? throw new Crash() : Task.FromResult(DeliveryResult.Done);
        }
    }

    private sealed class World : IDisposable
    {
        private static readonly DestinationDefinition Events = new() { Id = "events", Name = "Events", Type = "tool", Events = new() };
        private static readonly DestinationDefinition Audiences = new() { Id = "audiences", Name = "Audiences", Type = "tool", Audiences = new() { Segments = ["pro"] } };

        private readonly EmbeddedStore _first = new(partitions: 2);
        private readonly List<EmbeddedStore> _reopened = [];
        private readonly DestinationDefinition _events;
        private EmbeddedStore _store;
        private DestinationDispatcher _dispatcher = null!;
        private int _appended;

        public World()
        {
            _store = _first;
            // Messages accepted before the destination exists are not its to send.
            Append(3, "pre");
            IngestAll();
            _store.Time.Advance(TimeSpan.FromMinutes(1));
            _events = new DestinationDefinition { Id = Events.Id, Name = Events.Name, Type = Events.Type, Events = Events.Events, CreatedAt = _store.Time.GetUtcNow() };
            _store.Log.StartFromAsync(_events.Consumer, _events.CreatedAt, CancellationToken.None).GetAwaiter().GetResult();
            _store.Time.Advance(TimeSpan.FromMinutes(1));
            Start();
        }

        public Tool Tool { get; } = new();

        public HashSet<string> Accepted { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, bool> Members { get; } = new(StringComparer.Ordinal);

        public bool Crashed { get; private set; }

        private void Start()
        {
            var delivery = new DestinationDelivery([Tool], new InMemoryDestinationStore(), new DestinationSecrets(Options.Create(new PrivacyOptions())), _store.DeadLetters, Options.Create(new DestinationOptions { MaxAttempts = 1 }), _store.Time, NullLogger<DestinationDelivery>.Instance);
            var items = new DestinationItems(_store.Reader, Options.Create(new PrivacyOptions()), _store.Time);
            _dispatcher = new DestinationDispatcher(new DestinationCatalog(new InMemoryDestinationStore(), _store.Time), items, delivery, NullLoggerFactory.Instance);
        }

        public void Append(int count, string prefix = "m")
        {
            var messages = Enumerable.Range(0, count).Select(i => new Message
            {
                MessageId = $"{prefix}{_appended + i}",
                Type = MessageType.Track,
                Event = "Clicked",
                SourceId = "web",
                AnonymousId = $"d{(_appended + i) % 5}",
                Timestamp = _store.Time.GetUtcNow(),
            }).ToList();
            _appended += count;
            _store.Log.PublishAsync(messages, CancellationToken.None).GetAwaiter().GetResult();
            if (prefix == "m")
            {
                Accepted.UnionWith(messages.Select(m => m.MessageId));
            }
        }

        public void Ingest(int partition)
        {
            var batch = _store.Log.ReadAsync(IngestConsumer.Name, partition, 1000, CancellationToken.None).GetAwaiter().GetResult();
            Tool.Applied.UnionWith(batch.Messages.Select(m => m.MessageId));
            _store.Log.CheckpointAsync(IngestConsumer.Name, batch, CancellationToken.None).GetAwaiter().GetResult();
        }

        public void IngestAll()
        {
            for (var partition = 0; partition < 2; partition++)
            {
                Ingest(partition);
            }
        }

        public void Toggle(int person)
        {
            var id = "p" + person;
            var at = _store.Time.GetUtcNow();
            _store.Time.Advance(TimeSpan.FromSeconds(1));
            if (_store.Profiles.GetAsync(id, CancellationToken.None).GetAwaiter().GetResult() is not { } stored)
            {
                var created = new Profile(id, at);
                created.Enter("pro", at);
                Assert.NotNull(_store.Profiles.TryCreateAsync(created, CancellationToken.None).GetAwaiter().GetResult());
                Members[id] = true;
                return;
            }

            var profile = stored.Profile;
            var member = !profile.Segments.ContainsKey("pro");
            _ = member ? profile.Enter("pro", at) : profile.Exit("pro", at);
            Assert.NotNull(_store.Profiles.TryReplaceAsync(profile, stored.VersionTag, CancellationToken.None).GetAwaiter().GetResult());
            Members[id] = member;
        }

        /// <summary>One consumer step, crashing where told; false when there was nothing to read.</summary>
        public bool EventStep(int partition, int crash)
        {
            Tool.Arm(crash);
            try
            {
                return DestinationConsumers.DeliverEventsOnceAsync(_store.Log, _dispatcher, _events, partition, CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (Crash)
            {
                Crashed = true;
                return true;
            }
        }

        public bool AudienceStep(int crash)
        {
            Tool.Arm(crash);
            try
            {
                return DestinationConsumers.DeliverChangesOnceAsync(_store.Profiles, _dispatcher, Audiences, new Cdp.Testing.RecordingJourneyRuntime(), CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (Crash)
            {
                Crashed = true;
                return true;
            }
        }

        public void Restart()
        {
            _store = _store.Reopen();
            _reopened.Add(_store);
            Start();
        }

        public void Dispose()
        {
            foreach (var store in _reopened)
            {
                store.Dispose();
            }

            _first.Dispose();
        }
    }

    private static void Check(Step[] run)
    {
        using var world = new World();
        foreach (var step in run)
        {
            switch (step.Op)
            {
                case Op.Append:
                    world.Append(step.Arg + 1);
                    break;
                case Op.Ingest:
                    world.Ingest(step.Arg % 2);
                    break;
                case Op.EventStep:
                    world.EventStep(step.Arg % 2, step.Crash);
                    break;
                case Op.Toggle:
                    world.Toggle(step.Arg);
                    break;
                case Op.AudienceStep:
                    world.AudienceStep(step.Crash);
                    break;
                case Op.Restart:
                    world.Restart();
                    break;
            }
        }

        world.IngestAll();
        while (world.EventStep(0, 0) | world.EventStep(1, 0) | world.AudienceStep(0))
        {
        }

        var sent = world.Tool.Events.Select(i => i["messageId"]!.GetValue<string>()).ToList();
        Assert.Empty(world.Tool.Violations);
        Assert.Equal(world.Accepted.Order(StringComparer.Ordinal), sent.Distinct().Order(StringComparer.Ordinal));
        if (!world.Crashed)
        {
            Assert.Equal(sent.Count, sent.Distinct().Count());
        }

        var lastWord = world.Tool.Audiences
            .GroupBy(i => i["profileId"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => g.Last()["status"]!.GetValue<string>() == "entered");
        Assert.Equal(world.Members.OrderBy(m => m.Key, StringComparer.Ordinal), lastWord.OrderBy(m => m.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void EveryAcceptedMessageAndTheLastMembership_ReachTheTool_UnderCrashesAndRestarts() =>
        Runs.Sample(Check, iter: IdentityModel.Iterations(100), threads: 1, print: run => string.Join(" ", run.Select(s => $"{s.Op}:{s.Arg}:{s.Crash}")));
}
