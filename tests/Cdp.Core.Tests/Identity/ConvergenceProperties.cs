using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using CsCheck;
using static Cdp.Core.Tests.Identity.Events;

namespace Cdp.Core.Tests.Identity;

/// <summary>
/// Property tests (CsCheck): the same set of events, delivered in any order, split into any batches, with
/// any messages delivered twice, ends in the same identity graph (which identifiers are one person) and the
/// same profile traits (values and provenance of the winners) and counters. Batches are applied one after
/// another; races inside a batch's writes are covered by the crash and conflict tests.
/// </summary>
public class ConvergenceProperties
{
    private const int Iterations = 300;

    private static readonly MergePolicy Policy = TestDomain.Policy(p =>
    {
        p.Traits["points"] = new TraitPolicyOptions { Strategy = MergeStrategy.Sum };
        p.Traits["firstPlan"] = new TraitPolicyOptions { Strategy = MergeStrategy.Oldest };
        p.Traits["tags"] = new TraitPolicyOptions { Strategy = MergeStrategy.Union };
    });

    /// <summary>An event of person <c>P</c> carrying some of their identifiers (private to them), at minute <c>T</c>.</summary>
    private sealed record PersonEvent(int P, int T, bool User, int Email, int Device, int Plan, int Points, MessageType Type)
    {
        public Message ToMessage()
        {
            var traits = new JsonObject { ["plan"] = $"plan-{Plan}", ["firstPlan"] = $"plan-{Plan}", ["points"] = Points, ["tags"] = new JsonArray($"tag-{Plan}") };
            var message = Identify(
                $"m{T:D3}",
                T,
                userId: User ? $"user-{P}" : null,
                anonymousId: Device > 0 ? $"device-{P}-{Device}" : null,
                email: Email > 0 ? $"person{P}.{Email}@x.io" : null,
                traits: traits);
            return Type == MessageType.Identify ? message : message with { Type = MessageType.Track, Event = "Bought", Traits = null, Context = new JsonObject { ["traits"] = traits } };
        }
    }

    private static readonly Gen<PersonEvent[]> PersonEvents =
        Gen.Select(Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, 5], Gen.Bool.Select(b => b ? MessageType.Identify : MessageType.Track))
            .Where(e => e.Item2 || e.Item3 > 0 || e.Item4 > 0)
            .Array[1, 14]
            .Select(events => events.Select((e, t) => new PersonEvent(e.Item1, t, e.Item2, e.Item3, e.Item4, e.Item5, e.Item6, e.Item7)).ToArray());

    /// <summary>A delivery: the events in some order, some repeated, cut into batches.</summary>
    private static Gen<(T[] Events, Message[][] Batches)> Deliveries<T>(Gen<T[]> events, Func<T, Message> toMessage) =>
        events.SelectMany(all => Gen.Select(
            Gen.Shuffle(all),
            Gen.Int[0, all.Length - 1].Array[0, 3],
            Gen.Int[1, 4].Array[all.Length + 3],
            (order, repeats, sizes) =>
            {
                var sequence = order.Select(toMessage).ToList();
                foreach (var i in repeats)
                {
                    sequence.Insert(Math.Min(i * 2, sequence.Count), toMessage(all[i]));
                }

                var batches = new List<Message[]>();
                for (int at = 0, b = 0; at < sequence.Count; b++)
                {
                    var size = Math.Min(sizes[b % sizes.Length], sequence.Count - at);
                    batches.Add([.. sequence.Skip(at).Take(size)]);
                    at += size;
                }

                return (all, batches.ToArray());
            }));

    [Fact]
    public void AnyOrderBatchingAndDuplication_SameIdentityGraphTraitsAndCounters()
    {
        Deliveries(PersonEvents, e => e.ToMessage()).Sample(
            delivery =>
            {
                var reference = Run([[.. delivery.Events.Select(e => e.ToMessage())]]);
                var delivered = Run(delivery.Batches);
                Assert.Equal(reference, delivered);
            },
            iter: Iterations);
    }

    [Fact]
    public void PartitionsConsumedConcurrently_SameIdentityGraphTraitsAndCounters()
    {
        // Each message goes to a partition by its partition key, as on the stream; the partitions' consumers
        // run at the same time (real threads), each applying its batches in order.
        Gen.Select(Deliveries(PersonEvents, e => e.ToMessage()), Gen.Int[2, 4]).Sample(
            ((PersonEvent[] Events, Message[][] Batches) delivery, int partitions) =>
            {
                var reference = Run([[.. delivery.Events.Select(e => e.ToMessage())]]);
                var stores = new InMemoryStores();
                var ingest = TestDomain.Ingest(stores, policy: Policy);
                var byPartition = delivery.Batches.SelectMany(b => b)
                    .GroupBy(m => (uint)StringComparer.Ordinal.GetHashCode(m.PartitionKey) % partitions)
                    .Select(g => g.Chunk(3).ToList())
                    .ToList();
                Task.WaitAll([.. byPartition.Select(batches => Task.Run(async () =>
                {
                    foreach (var batch in batches)
                    {
                        await ingest.ProcessAsync(batch, CancellationToken.None);
                    }
                }))]);
                Assert.Equal(reference, [.. Live(stores).Select(Canonical).Order(StringComparer.Ordinal)]);
            },
            iter: 100);
    }

    /// <summary>A login (<c>User</c>) or anonymous browsing on one device shared by several people, at minute <c>T</c>.</summary>
    private sealed record DeviceEvent(int P, int T, bool Login)
    {
        public Message ToMessage() => Login
            ? Identify($"m{T:D3}", T, userId: $"user-{P}", anonymousId: "shared-device")
            : Track($"m{T:D3}", T, anonymousId: "shared-device");
    }

    private static readonly Gen<DeviceEvent[]> DeviceEvents =
        Gen.Select(Gen.Int[0, 2], Gen.Bool).Array[1, 10]
            .Select(events => events.Select((e, t) => new DeviceEvent(e.Item1, t, e.Item2)).ToArray());

    [Fact]
    public void SharedDevice_AnyOrder_TheDeviceEndsWithTheLatestLogin_UsersNeverMerge()
    {
        Deliveries(DeviceEvents, e => e.ToMessage()).Sample(
            delivery =>
            {
                var graph = Graph(delivery.Batches);
                var users = delivery.Events.Where(e => e.Login).Select(e => e.P).Distinct().ToList();
                Assert.All(graph, person => Assert.True(person.Count(i => i.StartsWith("user_id", StringComparison.Ordinal)) <= 1));
                Assert.Equal(users.Count, graph.Count(person => person.Any(i => i.StartsWith("user_id", StringComparison.Ordinal))));
                if (delivery.Events.LastOrDefault(e => e.Login) is { } latest)
                {
                    Assert.Contains(graph, person => person.SequenceEqual(["anonymous_id:shared-device", $"user_id:user-{latest.P}"]));
                }

                Assert.Equal(Graph([[.. delivery.Events.Select(e => e.ToMessage())]]), graph);
            },
            iter: Iterations);
    }

    /// <summary>The live profiles in canonical form: identifiers, then traits and counters, ids left out (they depend on which message came first).</summary>
    private static List<string> Run(Message[][] batches)
    {
        var stores = new InMemoryStores();
        var ingest = TestDomain.Ingest(stores, policy: Policy);
        foreach (var batch in batches)
        {
            ingest.ProcessAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
        }

        return [.. Live(stores).Select(Canonical).Order(StringComparer.Ordinal)];
    }

    private static List<List<string>> Graph(Message[][] batches)
    {
        var stores = new InMemoryStores();
        var ingest = TestDomain.Ingest(stores, policy: Policy);
        foreach (var batch in batches)
        {
            ingest.ProcessAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
        }

        return [.. Live(stores).Select(p => p.Identifiers.Select(i => i.ToString()).Order(StringComparer.Ordinal).ToList()).Where(ids => ids.Count > 0).OrderBy(ids => string.Join(",", ids), StringComparer.Ordinal)];
    }

    /// <summary>The live profiles, without one that lost every claim to a concurrent consumer (it holds nothing: docs/identity.md § Invariants).</summary>
    private static IEnumerable<Profile> Live(InMemoryStores stores) =>
        stores.ProfileIds.Select(id => stores.GetAsync(id, CancellationToken.None).GetAwaiter().GetResult()!.Profile)
            .Where(p => p.MergedInto is null && (p.Identifiers.Count > 0 || p.Counters.Count > 0 || p.Traits.Count > 0));

    private static string Canonical(Profile profile)
    {
        var identifiers = string.Join(",", profile.Identifiers.Select(i => i.ToString()).Order(StringComparer.Ordinal));
        var traits = string.Join(";", profile.Traits.Select(t => $"{t.Key}={t.Value.Value?.ToJsonString()}@{t.Value.MessageId}"));
        var counters = string.Join(";", profile.Counters.Select(c => $"{c.Key}:{c.Value.Count}:{c.Value.First:O}:{c.Value.Last:O}"));
        return $"[{identifiers}] {traits} {counters}";
    }
}
