using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Cdp.Core.Changes;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging.Abstractions;

BenchmarkSwitcher.FromAssembly(typeof(Cdp.Bench.Segments.SegmentBenchmarks).Assembly).Run(args);

namespace Cdp.Bench.Segments
{
    /// <summary>
    /// Segment evaluation. <c>TwentyRules</c>: one profile evaluated against 20 typical compiled rules (traits,
    /// identifiers, counters, time, other segments). <c>ChangeFeedHandler</c>: one profile change handed to the
    /// segment evaluator (dependency index, evaluation of the affected segments, schedule of the next time
    /// condition; memberships already up to date, so nothing is written). Over 1,000 realistic profiles.
    /// </summary>
    [MemoryDiagnoser]
    public class SegmentBenchmarks : IDisposable
    {
        private static readonly string[] Countries = ["FR", "DE", "US", "GB", "ES"];

        private const int Profiles = 1000;
        private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

        /// <summary>Twenty rules of the kinds teams write; s15 and s20 read other segments.</summary>
        public static readonly string[] Rules =
        [
            "text(\"plan\") == \"pro\"",
            "number(\"ltv\") > 500",
            "number(\"ltv\") > 100 && number(\"ltv\") <= 500",
            "flag(\"newsletter\")",
            "hasIdentifier(\"email\")",
            "hasIdentifier(\"phone\") && !hasIdentifier(\"email\")",
            "count(\"Order Completed\") >= 3",
            "count(\"Order Completed\") == 0 && count(\"Product Viewed\") >= 5",
            "olderThan(lastSeen(\"Order Completed\"), 30)",
            "within(lastSeen(\"Product Viewed\"), 7)",
            "within(firstSeen(\"identify\"), 14)",
            "text(\"country\") == \"FR\" || text(\"country\") == \"DE\"",
            "text(\"email\").EndsWith(\"@example.com\")",
            "number(\"age\") >= 18 && number(\"age\") < 25",
            "inSegment(\"s01\") && inSegment(\"s07\")",
            "hasTrait(\"company\") && number(\"seats\") >= 10",
            "count(\"page\") > 20",
            "!flag(\"unsubscribed\") && hasIdentifier(\"email\")",
            "olderThan(lastSeen(\"track\"), 90)",
            "text(\"plan\") != \"\" && !inSegment(\"s01\")",
        ];

        private readonly RuleContext _context = new();
        private CompiledRule[] _rules = null!;
        private ProfileDocument[] _profiles = null!;
        private ProfileChange[] _changes = null!;
        private SegmentEvaluator _evaluator = null!;
        private SegmentCatalog _catalog = null!;
        private int _next;

        [GlobalSetup]
        public void Setup()
        {
            _rules = [.. Rules.Select(r => RuleCompiler.Compile(r).Rule ?? throw new InvalidOperationException(r))];
            var random = new Random(42);
            _profiles = [.. Enumerable.Range(0, Profiles).Select(i => Person(i, random))];

            var stores = new InMemoryStores { RecordChanges = false };
            var segments = new InMemorySegments();
            var time = new FixedTime(T0.AddDays(60));
            _catalog = new SegmentCatalog(segments, time, NullLogger<SegmentCatalog>.Instance);
            var service = new SegmentService(segments, _catalog, segments, time);
            for (var i = 0; i < Rules.Length; i++)
            {
                var saved = service.PutAsync($"s{i + 1:00}", new SegmentRequest($"Segment {i + 1}", Rules[i]), CancellationToken.None).GetAwaiter().GetResult();
                if (saved.Segment is null)
                {
                    throw new InvalidOperationException(string.Join("; ", saved.Errors.SelectMany(e => e.Value)));
                }
            }

            _evaluator = new SegmentEvaluator(_catalog, stores, segments, segments, time, NullLogger<SegmentEvaluator>.Instance);
            var changes = new List<ProfileChange>();
            foreach (var document in _profiles)
            {
                // Stored, then evaluated once for every segment (version 1), so memberships are up to date.
                var profile = Profile.FromDocument(document);
                var tag = stores.TryCreateAsync(profile, CancellationToken.None).GetAwaiter().GetResult()!;
                _evaluator.OnProfileChangedAsync(new ProfileChange(document.Id, tag, document), new ProfileChangeContext(null!), CancellationToken.None).GetAwaiter().GetResult();
                var stored = stores.GetAsync(document.Id, CancellationToken.None).GetAwaiter().GetResult()!;
                // The change to measure: a purchase (a trait and two counters changed).
                changes.Add(new ProfileChange(document.Id, stored.VersionTag, stored.Profile.ToDocument() with
                {
                    Version = stored.Profile.Version + 1,
                    ChangedPaths = ["counters.track", "counters.track:Order Completed", "traits.ltv"],
                }));
            }

            _changes = [.. changes];
        }

        [GlobalCleanup]
        public void Dispose()
        {
            _catalog.Dispose();
            GC.SuppressFinalize(this);
        }

        [Benchmark(OperationsPerInvoke = Profiles)]
        public int TwentyRules()
        {
            var members = 0;
            foreach (var profile in _profiles)
            {
                _context.Reset(profile, T0.AddDays(60), _ => false);
                foreach (var rule in _rules)
                {
                    members += rule.Evaluate(_context) ? 1 : 0;
                }
            }

            return members;
        }

        [Benchmark]
        public Task ChangeFeedHandler()
        {
            var change = _changes[_next++ % _changes.Length];
            return _evaluator.OnProfileChangedAsync(change, new ProfileChangeContext(null!), CancellationToken.None);
        }

        private static ProfileDocument Person(int i, Random random)
        {
            var policy = TestDomain.Policy();
            var profile = new Profile($"p_{i:00000}", T0);
            profile.Link(new Identifier("user_id", $"user-{i}"), T0);
            profile.Link(new Identifier("anonymous_id", $"anon-{i}"), T0);
            if (random.Next(4) > 0)
            {
                profile.Link(new Identifier("email", $"user-{i}@example.com"), T0);
            }

            if (random.Next(3) == 0)
            {
                profile.Link(new Identifier("phone", $"+3361234{i:0000}"), T0);
            }

            void Trait(string name, JsonNode? value) => profile.SetTrait(name, new Trait(value, T0, $"m-{i}", "web"), policy);
            Trait("plan", random.Next(3) switch { 0 => "free", 1 => "pro", _ => "team" });
            Trait("ltv", Math.Round(random.NextDouble() * 1000, 2));
            Trait("newsletter", random.Next(2) == 0);
            Trait("country", Countries[random.Next(5)]);
            Trait("email", $"user-{i}@example.com");
            Trait("age", 16 + random.Next(50));
            Trait("company", random.Next(2) == 0 ? "Contoso" : null);
            Trait("seats", random.Next(30));
            Trait("unsubscribed", random.Next(10) == 0);
            Trait("firstName", "Ada");
            Trait("lastName", "Lovelace");
            Trait("city", "Lyon");
            profile.Count("identify", T0);
            for (var e = random.Next(40); e > 0; e--)
            {
                var at = T0.AddDays(random.Next(60));
                profile.Count(random.Next(3) == 0 ? "page" : "track", at);
                profile.Count(RuleCompiler.CounterKey(random.Next(4) == 0 ? "Order Completed" : "Product Viewed"), at);
            }

            return profile.ToDocument();
        }

        private sealed class FixedTime(DateTimeOffset now) : TimeProvider
        {
            public override DateTimeOffset GetUtcNow() => now;
        }
    }
}
