using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Cdp.Core.Events;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;

BenchmarkSwitcher.FromAssembly(typeof(Cdp.Bench.Identity.IdentityBenchmarks).Assembly).Run(args);

namespace Cdp.Bench.Identity
{

    /// <summary>
    /// Ingest's domain work per event (resolve the identifiers, merge, link, apply traits and counters) over the
    /// in-memory ports: events with three identifiers (user id, anonymous id, email), batches of 100 events
    /// from 10 people, each person in one batch. <c>Known</c>: every identifier already on one profile.
    /// <c>Merging</c>: each person's first event of the batch brings a new device whose profile (made by an
    /// earlier anonymous event) merges into theirs. Each iteration starts from fresh stores (set up outside
    /// the measurement) and applies 200 batches. Per event: mean time and bytes allocated.
    /// </summary>
    [MemoryDiagnoser]
    [InvocationCount(Batches, 1)]
    public class IdentityBenchmarks
    {
        private const int BatchSize = 100;
        private const int Batches = 200;
        private const int PeoplePerBatch = 10;
        private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

        private IngestService _ingest = null!;
        private Message[][] _batches = null!;
        private int _next;

        [Params(false, true)]
        public bool Merging { get; set; }

        [IterationSetup]
        public void Setup()
        {
            // The processed-message log is a port's cost (one look-up and one insert per message), and here every
            // message is new: it remembers nothing, so the measurement is the domain's work.
            var stores = new InMemoryStores { RememberProcessed = false, RecordChanges = false };
            _ingest = TestDomain.Ingest(stores);
            const int people = Batches * PeoplePerBatch;
            foreach (var chunk in Enumerable.Range(0, people).Select(p => Event($"setup-{p}", p, 0, $"anon-{p}")).Chunk(BatchSize))
            {
                _ingest.ProcessAsync(chunk, CancellationToken.None).GetAwaiter().GetResult();
            }

            var batches = new List<Message[]>(Batches);
            var minute = 1;
            for (var b = 0; b < Batches; b++)
            {
                var batch = new List<Message>(BatchSize);
                for (var i = 0; i < BatchSize; i++)
                {
                    var person = (b * PeoplePerBatch) + (i % PeoplePerBatch);
                    var newDevice = Merging && i < PeoplePerBatch;
                    var device = newDevice ? $"device-{b}-{i}" : $"anon-{person}";
                    if (newDevice)
                    {
                        // The new device browsed anonymously before: a profile of its own, merged by the event below.
                        _ingest.ProcessAsync([Event($"pre-{b}-{i}", null, minute, device, email: false)], CancellationToken.None).GetAwaiter().GetResult();
                    }

                    batch.Add(Event($"e-{b}-{i}", person, minute++, device));
                }

                batches.Add([.. batch]);
            }

            _batches = [.. batches];
            _next = 0;
        }

        [Benchmark(OperationsPerInvoke = BatchSize)]
        public Task<IngestSummary> ResolveMergeApply() => _ingest.ProcessAsync(_batches[_next++], CancellationToken.None);

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

    /// <summary>
    /// What encrypting personal data at rest adds to a profile write and read (<see cref="Cdp.Core.Privacy.PersonalDataProtector"/>):
    /// a profile with three identifiers (one personal: email) and four traits (two personal: email, name), each changed
    /// once (older values kept as the default merge policy keeps them), its data key cached as in steady state.
    /// </summary>
    [MemoryDiagnoser]
    public class PersonalDataBenchmarks
    {
        private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
        private Cdp.Core.Privacy.PersonalDataProtector _protector = null!;
        private Cdp.Core.Profiles.ProfileDocument _clear = null!;
        private Cdp.Core.Profiles.ProfileDocument _stored = null!;

        [GlobalSetup]
        public void Setup()
        {
            _protector = new(new InMemoryPrivacy(), Microsoft.Extensions.Options.Options.Create(new Cdp.Core.Privacy.PrivacyOptions { MasterKey = Cdp.Testing.Contracts.ErasureContract.MasterKey }));
            var profile = new Cdp.Core.Profiles.Profile("p_bench", T0);
            var policy = TestDomain.Policy();
            profile.Link(new Cdp.Core.Profiles.Identifier("user_id", "user-1"), T0, together: true);
            profile.Link(new Cdp.Core.Profiles.Identifier("anonymous_id", "anon-1"), T0, together: true);
            profile.Link(new Cdp.Core.Profiles.Identifier("email", "ada@example.com"), T0, together: true);
            foreach (var (name, old, value) in new[] { ("email", "ada@old.example", "ada@example.com"), ("name", "Ada", "Ada Lovelace"), ("plan", "free", "pro"), ("city", "London", "Paris") })
            {
                profile.SetTrait(name, new Cdp.Core.Profiles.Trait(JsonValue.Create(old), T0, "m1"), policy);
                profile.SetTrait(name, new Cdp.Core.Profiles.Trait(JsonValue.Create(value), T0.AddMinutes(1), "m2"), policy);
            }

            _clear = profile.ToDocument();
            _stored = _protector.ProtectAsync(_clear, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        [Benchmark]
        public ValueTask<Cdp.Core.Profiles.ProfileDocument> Protect() => _protector.ProtectAsync(_clear, CancellationToken.None);

        [Benchmark]
        public ValueTask<Cdp.Core.Profiles.ProfileDocument> Unprotect() => _protector.UnprotectAsync(_stored, CancellationToken.None);
    }
}
