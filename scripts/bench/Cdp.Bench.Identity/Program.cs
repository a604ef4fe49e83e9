using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Cdp.Core.Events;
using Cdp.Core.Ingest;
using Cdp.Testing;
using Cdp.Testing.InMemory;

BenchmarkSwitcher.FromAssembly(typeof(Cdp.Bench.Identity.IdentityBenchmarks).Assembly).Run(args);

namespace Cdp.Bench.Identity
{

    /// <summary>
    /// Ingest's domain work per event (resolve the identifiers, merge, link, apply traits and counters) over the
    /// in-memory ports: events with three identifiers (user id, anonymous id, email), batches of 100 events
    /// from 10 people. <c>Known</c>: every identifier already on one profile. <c>Merging</c>: each person's
    /// first event in a batch brings a new device whose profile (made by an earlier anonymous event) merges
    /// into theirs. Per event: the mean time and bytes allocated (OperationsPerInvoke = 100).
    /// </summary>
    [MemoryDiagnoser]
    public class IdentityBenchmarks
{
        private const int BatchSize = 100;
        private const int People = 10_000;
        private const int PeoplePerBatch = 10;
        private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

        private InMemoryStores _stores = null!;
        private IngestService _ingest = null!;
        private Message[][] _batches = null!;
        private int _next;

        [Params(false, true)]
        public bool Merging { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            _stores = new InMemoryStores { RememberProcessed = false };
            // Remember fewer recent messages than one person gets per cycle of the batches, so repeats are applied again.
            _ingest = TestDomain.Ingest(_stores, policy: TestDomain.Policy(p => p.RecentMessages = 4));
            var known = Enumerable.Range(0, People).Select(p => Event($"setup-{p}", p, 0, $"anon-{p}")).ToArray();
            foreach (var chunk in known.Chunk(BatchSize))
            {
                _ingest.ProcessAsync(chunk, CancellationToken.None).GetAwaiter().GetResult();
            }

            var batches = new List<Message[]>();
            var minute = 1;
            for (var b = 0; b < People / PeoplePerBatch; b++)
            {
                var batch = new List<Message>(BatchSize);
                for (var i = 0; i < BatchSize; i++)
                {
                    var person = (b * PeoplePerBatch) + (i % PeoplePerBatch);
                    var device = Merging && i < PeoplePerBatch ? $"device-{b}-{i}" : $"anon-{person}";
                    if (Merging && i < PeoplePerBatch)
                    {
                        // The new device browsed anonymously before: a profile of its own, merged by the event below.
                        _ingest.ProcessAsync([Event($"pre-{b}-{i}", null, minute, device, email: false)], CancellationToken.None).GetAwaiter().GetResult();
                    }

                    batch.Add(Event($"e-{b}-{i}", person, minute++, device));
                }

                batches.Add([.. batch]);
            }

            _batches = [.. batches];
        }

        [Benchmark(OperationsPerInvoke = BatchSize)]
        public Task<IngestSummary> ResolveMergeApply()
        {
            var batch = _batches[_next++ % _batches.Length];
            return _ingest.ProcessAsync(batch, CancellationToken.None);
        }

        private static Message Event(string id, int? person, int minute, string anonymousId, bool email = true) => new()
        {
            MessageId = id,
            Type = MessageType.Track,
            Event = "Product Viewed",
            SourceId = "web",
            UserId = person is { } p ? $"user-{p}" : null,
            AnonymousId = anonymousId,
            Properties = new JsonObject { ["sku"] = "SKU-1", ["price"] = 19.99 },
            Context = new JsonObject { ["traits"] = new JsonObject { ["email"] = email && person is { } q ? $"user-{q}@example.com" : null, ["plan"] = "pro" } },
            Timestamp = T0.AddMinutes(minute),
            ReceivedAt = T0.AddMinutes(minute),
        };
}
}
