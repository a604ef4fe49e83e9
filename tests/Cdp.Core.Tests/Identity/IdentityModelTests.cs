using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using CsCheck;
using static Cdp.Core.Tests.Identity.Events;

namespace Cdp.Core.Tests.Identity;

/// <summary>
/// The randomized model test of identity resolution (issue 16): random message sequences go through 2–4 ingest
/// consumers running at once on the in-memory ports, with crashes injected at random store writes (the crashed
/// batch is delivered again, as the stream does) and some batches delivered twice. After every run the invariants
/// below must hold. <see cref="CiIterations"/> runs per property by default; set <c>CDP_MODEL_ITERATIONS</c> for more.
/// </summary>
/// <remarks>
/// <c>scripts/test.sh</c> runs them with <see cref="CiIterations"/> samples each; <c>scripts/model.sh [n]</c> runs them longer.
/// The consumers take turns at every store call in an order drawn from the run, so a failing seed reproduces the
/// whole run (messages, batching, interleaving, crashes); seeds that failed once are kept and run every time.
/// </remarks>
public class IdentityModelTests
{
    private const int CiIterations = 150;

    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("CDP_MODEL_ITERATIONS"), out var n) && n > 0 ? n : CiIterations;

    private static readonly IdentityRules Rules = TestDomain.Rules();

    /// <summary>A message of person <c>P</c> with some of their identifiers; <c>SharedEmail</c> is one address two people use.</summary>
    private sealed record Sent(int P, int T, bool User, int Email, int Device, bool SharedEmail, bool Identify)
    {
        public Message ToMessage()
        {
            var email = SharedEmail ? "family@x.io" : Email > 0 ? $"p{P}.{Email}@x.io" : null;
            var message = Events.Identify($"m{T:D3}", T, userId: User ? $"u{P}" : null, anonymousId: Device > 0 ? $"d{P}.{Device}" : null, email: email, traits: new JsonObject { ["n"] = T });
            return Identify ? message : message with { Type = MessageType.Track, Event = "Bought", Traits = null, Context = email is null ? null : new JsonObject { ["traits"] = new JsonObject { ["email"] = email } } };
        }
    }

    private static Gen<Sent[]> Messages(bool shared) =>
        Gen.Select(Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 2], shared ? Gen.Int[0, 4].Select(i => i == 0) : Gen.Const(false), Gen.Bool)
            .Where(e => e.Item2 || e.Item3 > 0 || e.Item4 > 0 || e.Item5)
            .Array[2, 16]
            .Select(all => all.Select((e, t) => new Sent(e.Item1, t, e.Item2, e.Item3, e.Item4, e.Item5, e.Item6)).ToArray());

    /// <summary>One run: the messages, how many consumers, batch sizes, which batches come twice, and the crash rate (per mille of writes).</summary>
    private sealed record Run(Sent[] Sent, int Consumers, int[] Sizes, bool[] Twice, int CrashPerMille, int CrashSeed)
    {
        public override string ToString() =>
            $"{Consumers} consumers, crashes {CrashPerMille}‰ (seed {CrashSeed}), sizes {string.Join(",", Sizes.Take(8))}, twice {string.Join(",", Twice.Take(8).Select(t => t ? 1 : 0))}: "
            + string.Join("; ", Sent.Select(s => $"m{s.T:D3} p{s.P}{(s.Identify ? " identify" : " track")}{(s.User ? " user" : "")}{(s.Email > 0 ? $" email{s.Email}" : "")}{(s.Device > 0 ? $" device{s.Device}" : "")}{(s.SharedEmail ? " shared" : "")}"));
    }

    private static Gen<Run> Runs(bool shared) =>
        Gen.Select(Messages(shared), Gen.Int[2, 4], Gen.Int[1, 4].Array[20], Gen.Bool.Array[20], Gen.Int[0, 150], Gen.Int)
            .Select(r => new Run(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5, r.Item6));

    private sealed class Crash : OperationCanceledException;

    /// <summary>
    /// Interleaves the consumers deterministically: each runs on its own thread, but only the one holding the turn
    /// runs, and before every store call the turn goes to a consumer drawn from the run's seed. The in-memory stores
    /// complete synchronously, so a seed reproduces the interleaving, the crashes and the failure exactly.
    /// </summary>
    private sealed class Turns(int consumers, int seed) : IDisposable
    {
        private readonly SemaphoreSlim[] _go = [.. Enumerable.Range(0, consumers).Select(_ => new SemaphoreSlim(0))];
        private readonly bool[] _done = new bool[consumers];
        private readonly Random _random = new(seed);
        private readonly ThreadLocal<int> _me = new(() => -1);

        public Random Random => _random;

        public void Dispose()
        {
            _me.Dispose();
            Array.ForEach(_go, go => go.Dispose());
        }

        /// <summary>Runs each consumer's work on its own thread, one turn at a time, and returns when all are done.</summary>
        public void Run(IReadOnlyList<Action> work)
        {
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var threads = work.Select((action, i) => new Thread(() =>
            {
                _me.Value = i;
                _go[i].Wait();
                try
                {
                    action();
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
                finally
                {
                    lock (_done)
                    {
                        _done[i] = true;
                    }

                    Pass(i, wait: false);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            _go[Next()!.Value].Release();
            threads.ForEach(t => t.Join());
            if (!failures.IsEmpty)
            {
                throw new AggregateException(failures);
            }
        }

        /// <summary>Called before a store call on a consumer's thread: the turn may go to another consumer.</summary>
        public void Switch()
        {
            if (_me.Value >= 0)
            {
                Pass(_me.Value, wait: true);
            }
        }

        private void Pass(int me, bool wait)
        {
            var next = Next();
            if (next is null || next == me)
            {
                return;
            }

            _go[next.Value].Release();
            if (wait)
            {
                _go[me].Wait();
            }
        }

        private int? Next()
        {
            lock (_done)
            {
                var ready = Enumerable.Range(0, _done.Length).Where(i => !_done[i]).ToList();
                return ready.Count == 0 ? null : ready[_random.Next(ready.Count)];
            }
        }
    }

    /// <summary>Runs the messages through the consumers at once, redelivering every crashed batch until it goes through.</summary>
    private static InMemoryStores Execute(Run run)
    {
        var stores = new InMemoryStores { Trace = new() };
        using var turns = new Turns(run.Consumers, run.CrashSeed);
        var crashes = new ThreadLocal<bool>();
        stores.BeforeRead = _ => turns.Switch();
        stores.BeforeWrite = operation =>
        {
            turns.Switch();
            if (crashes.Value && turns.Random.Next(1000) < run.CrashPerMille)
            {
                stores.Trace!.Enqueue($"[{Environment.CurrentManagedThreadId}] CRASH before {operation}");
                throw new Crash();
            }
        };

        // Batches go round the consumers (partitions); a batch delivered twice comes again to the same consumer, after
        // the first delivery, as a stream redelivers a partition's batch after its owner stopped before the checkpoint.
        var consumers = Enumerable.Range(0, run.Consumers).Select(_ => new List<Message[]>()).ToList();
        var messages = run.Sent.Select(s => s.ToMessage()).ToList();
        for (int at = 0, b = 0; at < messages.Count; b++)
        {
            var size = Math.Min(run.Sizes[b % run.Sizes.Length], messages.Count - at);
            var consumer = consumers[b % run.Consumers];
            consumer.Add([.. messages.Skip(at).Take(size)]);
            if (run.Twice[b % run.Twice.Length])
            {
                consumer.Add(consumer[^1]);
            }

            at += size;
        }

        var ingest = TestDomain.Ingest(stores, Rules);
        turns.Run([.. consumers.Select(mine => (Action)(() =>
        {
            foreach (var batch in mine)
            {
                for (var attempt = 0; ; attempt++)
                {
                    crashes.Value = attempt < 20;
                    stores.Trace!.Enqueue($"[{Environment.CurrentManagedThreadId}] batch {string.Join(",", batch.Select(m => m.MessageId))} attempt {attempt}");
                    try
                    {
                        var task = ingest.ProcessAsync(batch, CancellationToken.None);
                        Assert.True(task.IsCompleted, "the in-memory stores complete synchronously, so a turn never spans an await");
                        task.GetAwaiter().GetResult();
                        break;
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or ContentionException && attempt < 200)
                    {
                        // Crashed, or identity kept changing (transient): the stream delivers the batch again.
                        // Past 200 deliveries it is a livelock, and the test fails.
                    }
                }
            }
        }))]);
        stores.BeforeRead = null;
        stores.BeforeWrite = null;
        return stores;
    }

    private static Profile? LiveOf(InMemoryStores stores, string identifier)
    {
        Assert.True(Rules.TryParse(identifier, out var parsed));
        return stores.Index.TryGetValue(Rules.KeyOf(parsed), out var owner)
            ? stores.LiveAsync(owner, CancellationToken.None).GetAwaiter().GetResult()?.Profile
            : null;
    }

    /// <summary>The ledger entries naming these profiles, in time order, for a failure's message.</summary>
    private static string History(InMemoryStores stores, params string?[] profileIds) =>
        "writes:\n" + string.Join("\n", (stores.Trace ?? []).Select(KeysAsMessageIds)) + "\nledger: " + string.Join(" | ", stores.LedgerEntries.Where(e => profileIds.Contains(e.ProfileId) || profileIds.Contains(e.OtherProfileId)).OrderBy(e => e.At).ThenBy(e => e.MessageId, StringComparer.Ordinal)
            .Select(e => $"{e.MessageId} {e.Kind} {e.Rule} {e.ProfileId[..6]}{(e.OtherProfileId is null ? "" : "<-" + e.OtherProfileId[..6])} {string.Join("+", e.IdentifierTypes)}"));

    /// <summary>A trace line with the message keys it names written as message ids (the runs' messages are m000 to m099).</summary>
    private static string KeysAsMessageIds(string line) =>
        line.Contains("+recent[", StringComparison.Ordinal)
            ? Enumerable.Range(0, 100).Select(t => $"m{t:D3}").Aggregate(line, (text, id) => text.Replace(Cdp.Core.Ingest.IProcessedMessageLog.KeyFor("web", id)[..Profile.RememberedKeyLength], id, StringComparison.Ordinal))
            : line;

    /// <summary>Fails with the message, built only then (a run's trace is long).</summary>
    private static void Holds(bool condition, Func<string> message)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException(message());
        }
    }

    /// <summary>The invariants that hold for any run; returns the people (sets of identifiers) the index makes.</summary>
    private static List<string> CheckInvariants(Run run, InMemoryStores stores)
    {
        var messages = run.Sent.Select(s => s.ToMessage()).ToList();
        // No message with an identifier is ever a dead letter: nothing here is a deterministic failure.
        var failed = string.Join("\n", stores.DeadLetters.Where(l => l.Reason.StartsWith("Processing failed", StringComparison.Ordinal)).Select(l => $"{l.MessageId}: {l.Reason}"));
        Holds(failed.Length == 0, () => failed + "\n" + History(stores, [.. stores.ProfileIds]));
        var identifiers = messages.SelectMany(m => Rules.IdentifiersOf(m)).Select(i => i.ToString()).Distinct().ToList();
        var reachable = new Dictionary<string, Profile>(StringComparer.Ordinal);
        foreach (var identifier in identifiers)
        {
            // Every identifier resolves to one live profile, which holds it.
            var live = LiveOf(stores, identifier) ?? throw new Xunit.Sdk.XunitException($"{identifier} resolves to no live profile; held by {string.Join(", ", stores.ProfileIds.Select(id => stores.GetAsync(id, CancellationToken.None).Result!.Profile).Where(p => p.Identifiers.Any(i => i.ToString() == identifier)).Select(p => $"{p.Id}{(p.MergedInto is null ? "" : "->" + p.MergedInto)}"))}; {History(stores, [.. stores.ProfileIds])}");
            Holds(live.Identifiers.Any(i => i.ToString() == identifier), () => $"{identifier} resolves to {live.Id}, which does not hold it; {History(stores, [.. stores.ProfileIds])}");
            reachable[live.Id] = live;
        }

        var profiles = stores.ProfileIds.Select(id => stores.GetAsync(id, CancellationToken.None).GetAwaiter().GetResult()!.Profile).ToList();
        foreach (var profile in profiles.Where(p => p.MergedInto is null))
        {
            // No profile breaks a type's limit.
            foreach (var type in Rules.Types)
            {
                Holds(profile.CountOf(type.Name) <= type.Limit, () => $"{profile.Id} holds {string.Join(", ", profile.Identifiers)}");
            }

            if (reachable.ContainsKey(profile.Id))
            {
                // Each identifier a reachable profile holds resolves back to it: no identifier is on two people.
                foreach (var held in profile.Identifiers)
                {
                    var owner = LiveOf(stores, held.ToString())?.Id;
                    Holds(owner == profile.Id, () => $"{profile.Id} holds {held}, which resolves to {owner ?? "nothing"}; {History(stores, profile.Id, owner)}");
                }
            }
            else
            {
                // A profile no identifier reaches (a claim lost to another consumer before anything was applied) holds no data.
                Holds(profile.Counters.Count == 0, () => $"{profile.Id} [{string.Join(", ", profile.Identifiers)}] is reached by no identifier but counted {string.Join(", ", profile.Counters.Keys)}; ledger: "
                    + string.Join(" | ", stores.LedgerEntries.Where(e => e.ProfileId == profile.Id || e.OtherProfileId == profile.Id).OrderBy(e => e.At).Select(e => $"{e.Kind} {e.Rule} {e.MessageId} {string.Join("+", e.IdentifierTypes)} other={e.OtherProfileId}")));
            }
        }

        // Redirects are one hop: a merged-away profile points at a live one.
        foreach (var redirect in profiles.Where(p => p.MergedInto is not null))
        {
            var next = profiles.FirstOrDefault(p => p.Id == redirect.MergedInto);
            Holds(next is { MergedInto: null }, () => $"{redirect.Id} redirects to {redirect.MergedInto}, which {(next is null ? "is not stored" : "redirects to " + next.MergedInto)}; {History(stores, redirect.Id, redirect.MergedInto)}");
        }

        // Every message is counted exactly once, by the live profiles.
        var counted = profiles.Where(p => p.MergedInto is null).Sum(p => p.Counters.Where(c => !c.Key.Contains(':', StringComparison.Ordinal)).Sum(c => c.Value.Count));
        var applicable = messages.Count(m => Rules.IdentifiersOf(m).Count > 0);
        Holds(applicable == counted, () => $"{applicable} messages counted {counted} times ("
            + string.Join(", ", messages.Select(m => (m.MessageId, By: profiles.Where(p => p.MergedInto is null && p.HasApplied(Cdp.Core.Ingest.IProcessedMessageLog.KeyFor(m.SourceId, m.MessageId))).Select(p => p.Id[..6]).ToList())).Where(m => m.By.Count != 1).Select(m => $"{m.MessageId} known to [{string.Join(",", m.By)}]"))
            + $"); {History(stores, [.. stores.ProfileIds])}");

        return [.. reachable.Values.Select(p => string.Join(",", p.Identifiers.Select(i => i.ToString()).Order(StringComparer.Ordinal))).Order(StringComparer.Ordinal)];
    }

    private static List<string> Sequential(Run run)
    {
        var sequential = new InMemoryStores();
        var ingest = TestDomain.Ingest(sequential, Rules);
        foreach (var sent in run.Sent)
        {
            ingest.ProcessAsync([sent.ToMessage()], CancellationToken.None).GetAwaiter().GetResult();
        }

        return CheckInvariants(run with { CrashPerMille = 0 }, sequential);
    }

    [Fact]
    public void ConcurrentConsumersWithCrashes_PrivateIdentifiers_InvariantsHold_PeopleAsInASequentialReplay()
    {
        Runs(shared: false).Sample(
            run =>
            {
                var people = CheckInvariants(run, Execute(run));
                Assert.Equal(Sequential(run), people);
            },
            iter: Iterations,
            threads: 1);
    }

    /// <summary>Limit conflicts (one email used by people with different user ids) and devices moving between people, under concurrent consumers.</summary>
    [Fact]
    public void ConcurrentConsumers_ASharedEmailAcrossUserIds_InvariantsHold()
    {
        Runs(shared: true).Select(run => run with { CrashPerMille = 0 }).Sample(run => CheckInvariants(run, Execute(run)), iter: Iterations, threads: 1);
    }

    /// <summary>The same with crashes between the writes of merges, claims and device moves racing for the contended email.</summary>
    [Fact]
    public void ConcurrentConsumersWithCrashes_ASharedEmailAcrossUserIds_InvariantsHold()
    {
        Runs(shared: true).Sample(run => CheckInvariants(run, Execute(run)), iter: Iterations, threads: 1);
    }

    /// <summary>
    /// Runs that failed once (a seed reproduces the whole run; <paramref name="shared"/> says which generator): a lost
    /// claim left on a profile by a crash (an email on two people), a message counted again after a device moved or a
    /// profile split off, a link replayed after a reload putting back a device that had moved, a stale copy of a device's
    /// holder, a lost claim undoing the link a move relied on, a merge into a profile merged away meanwhile (two hops).
    /// </summary>
    [Theory]
    [InlineData("8YWYw8P93AQ1", true, true)]
    [InlineData("6qWWxlkQ5Le1", true, true)]
    [InlineData("dyVGzFrUAoN1", true, true)]
    [InlineData("eprJ0SXxHON1", true, true)]
    [InlineData("0KZeKHZO9dh1", true, true)]
    [InlineData("6Dwn0Hvm7vs1", true, true)]
    [InlineData("0B80LtI_Lyo1", true, true)]
    [InlineData("efYQCNx2us11", true, true)]
    [InlineData("b6gktH0pzp21", true, true)]
    [InlineData("0P3XIifDst01", true, true)]
    [InlineData("aQ-n1iAgQWg1", true, true)]
    [InlineData("8rjaMFvW5b_1", true, true)]
    [InlineData("2rqxca8RH_G1", true, true)]
    [InlineData("543RjdqZsMr1", true, true)]
    [InlineData("0jqYfEId9SR1", true, false)]
    [InlineData("05KamXiolNS1", true, false)]
    [InlineData("c-Z1PKCQeoQ1", true, false)]
    [InlineData("fzvyltOL2bc1", true, false)]
    [InlineData("e4ALcIQNxn-1", true, false)]
    [InlineData("74T6rT0gcBq1", true, false)]
    [InlineData("5650rl2Dd6S1", false, true)]
    [InlineData("akwq4RK-Kh51", false, true)]
    [InlineData("86sM8Pt1BVU1", false, true)]
    [InlineData("aajpBaLE-3r1", false, true)]
    public void RunsThatFailedOnce_InvariantsHold(string seed, bool shared, bool crashes)
    {
        Runs(shared).Select(run => crashes ? run : run with { CrashPerMille = 0 }).Sample(run => CheckInvariants(run, Execute(run)), iter: 1, seed: seed);
    }
}
