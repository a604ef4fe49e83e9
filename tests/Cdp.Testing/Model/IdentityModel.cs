using System.Text.Json.Nodes;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using CsCheck;

namespace Cdp.Testing.Model;

/// <summary>
/// The randomized model of identity resolution (issue 16), shared by the in-memory run (deterministic turns, crashes
/// at any store call) and the SQLite run (two real consumers on one database): random message sequences, how they
/// are batched and delivered to the consumers, and the invariants that must hold once every batch went through.
/// </summary>
public static class IdentityModel
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    public static IdentityRules Rules { get; } = TestDomain.Rules();

    /// <summary>Samples per property: 150, or <c>CDP_MODEL_ITERATIONS</c> (<c>scripts/model.sh</c>).</summary>
    public static int Iterations(int ci = 150) =>
        int.TryParse(Environment.GetEnvironmentVariable("CDP_MODEL_ITERATIONS"), out var n) && n > 0 ? n : ci;

    /// <summary>A message of person <c>P</c> with some of their identifiers; <c>SharedEmail</c> is one address two people use.</summary>
    public sealed record Sent(int P, int T, bool User, int Email, int Device, bool SharedEmail, bool Identify)
    {
        public Message ToMessage()
        {
            var email = SharedEmail ? "family@x.io" : Email > 0 ? $"p{P}.{Email}@x.io" : null;
            var at = T0.AddMinutes(T);
            var message = new Message
            {
                MessageId = $"m{T:D3}",
                Type = MessageType.Identify,
                SourceId = "web",
                UserId = User ? $"u{P}" : null,
                AnonymousId = Device > 0 ? $"d{P}.{Device}" : null,
                Traits = email is null ? new JsonObject { ["n"] = T } : new JsonObject { ["n"] = T, ["email"] = email },
                Timestamp = at,
                ReceivedAt = at,
            };
            return Identify ? message : message with { Type = MessageType.Track, Event = "Bought", Traits = null, Context = email is null ? null : new JsonObject { ["traits"] = new JsonObject { ["email"] = email } } };
        }
    }

    /// <summary>The index keys of every identifier a run can carry (three people, their user ids, two emails and two devices each, the shared email).</summary>
    public static IEnumerable<string> AllKeys()
    {
        for (var p = 0; p < 3; p++)
        {
            yield return Rules.KeyOf(new Identifier("user_id", $"u{p}"));
            for (var n = 1; n <= 2; n++)
            {
                yield return Rules.KeyOf(new Identifier("email", $"p{p}.{n}@x.io"));
                yield return Rules.KeyOf(new Identifier("anonymous_id", $"d{p}.{n}"));
            }
        }

        yield return Rules.KeyOf(new Identifier("email", "family@x.io"));
    }

    /// <summary>One run: the messages, how many consumers, batch sizes, which batches come twice, and the crash rate (per mille of writes).</summary>
    public sealed record Run(Sent[] Sent, int Consumers, int[] Sizes, bool[] Twice, int CrashPerMille, int CrashSeed)
    {
        public override string ToString() =>
            $"{Consumers} consumers, crashes {CrashPerMille}‰ (seed {CrashSeed}), sizes {string.Join(",", Sizes.Take(8))}, twice {string.Join(",", Twice.Take(8).Select(t => t ? 1 : 0))}: "
            + string.Join("; ", Sent.Select(s => $"m{s.T:D3} p{s.P}{(s.Identify ? " identify" : " track")}{(s.User ? " user" : "")}{(s.Email > 0 ? $" email{s.Email}" : "")}{(s.Device > 0 ? $" device{s.Device}" : "")}{(s.SharedEmail ? " shared" : "")}"));
    }

    private static Gen<Sent[]> Messages(bool shared) =>
        Gen.Select(Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 2], shared ? Gen.Int[0, 4].Select(i => i == 0) : Gen.Const(false), Gen.Bool)
            .Where(e => e.Item2 || e.Item3 > 0 || e.Item4 > 0 || e.Item5)
            .Array[2, 16]
            .Select(all => all.Select((e, t) => new Sent(e.Item1, t, e.Item2, e.Item3, e.Item4, e.Item5, e.Item6)).ToArray());

    /// <summary>Runs of three people's messages; <paramref name="shared"/>: some carry one email all of them use.</summary>
    public static Gen<Run> Runs(bool shared, int maxConsumers = 4) =>
        Gen.Select(Messages(shared), Gen.Int[2, maxConsumers], Gen.Int[1, 4].Array[20], Gen.Bool.Array[20], Gen.Int[0, 150], Gen.Int)
            .Select(r => new Run(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5, r.Item6));

    /// <summary>
    /// The batches each consumer receives. Batches go round the consumers (partitions); a batch delivered twice comes
    /// again to the same consumer, after the first delivery, as a stream redelivers a partition's batch after its owner
    /// stopped before the checkpoint.
    /// </summary>
    public static List<List<Message[]>> Deliveries(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
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

        return consumers;
    }

    /// <summary>What the stores hold after a run: the index (by key), every profile, the dead letters, and a history for a failure's message.</summary>
    public sealed record State(Func<string, string?> OwnerOf, IReadOnlyList<Profile> Profiles, IReadOnlyCollection<DeadLetter> DeadLetters, Func<IEnumerable<string?>, string> History);

    /// <summary>
    /// The invariants that hold for any run: no deterministic failure; every identifier resolves to one live profile,
    /// which holds it; no profile breaks a type's limit; no identifier on two people; a profile no identifier reaches
    /// holds no counts; redirects are one hop; every message is counted exactly once. Returns the people (sets of
    /// identifiers) the index makes.
    /// </summary>
    public static List<string> CheckInvariants(Run run, State state)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(state);
        var messages = run.Sent.Select(s => s.ToMessage()).ToList();
        var byId = state.Profiles.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var all = byId.Keys.ToList();

        Profile? LiveOf(string identifier)
        {
            if (!Rules.TryParse(identifier, out var parsed))
            {
                throw new Xunit.Sdk.XunitException($"'{identifier}' is not an identifier");
            }

            var id = state.OwnerOf(Rules.KeyOf(parsed));
            for (var hops = 0; id is not null && byId.TryGetValue(id, out var profile); hops++)
            {
                if (profile.MergedInto is null || hops > 32)
                {
                    return profile.MergedInto is null ? profile : null;
                }

                id = profile.MergedInto;
            }

            return null;
        }

        bool DroppedAtLimit(string identifier)
        {
            var type = Rules.Types.First(t => identifier.StartsWith(t.Name + ":", StringComparison.Ordinal));
            return messages
                .Where(m => Rules.IdentifiersOf(m).Any(i => i.ToString() == identifier))
                .Select(m => Cdp.Core.Ingest.IProcessedMessageLog.KeyFor(m.SourceId, m.MessageId))
                .Any(key => state.Profiles.Any(p => p.MergedInto is null && p.HasApplied(key) && p.CountOf(type.Name) >= type.Limit));
        }

        // No message with an identifier is ever a dead letter: nothing here is a deterministic failure.
        var failed = string.Join("\n", state.DeadLetters.Where(l => l.Reason.StartsWith("Processing failed", StringComparison.Ordinal)).Select(l => $"{l.MessageId}: {l.Reason}"));
        Holds(failed.Length == 0, () => failed + "\n" + state.History(all));
        var identifiers = messages.SelectMany(m => Rules.IdentifiersOf(m)).Select(i => i.ToString()).Distinct().ToList();
        var reachable = new Dictionary<string, Profile>(StringComparer.Ordinal);
        foreach (var identifier in identifiers)
        {
            // Every identifier resolves to one live profile, which holds it. Except one dropped at its type's limit: a
            // message with it landed on a profile holding as many of that type as the limit allows (documented: a
            // profile's sixth email is not linked, the message still lands on the profile).
            var resolved = LiveOf(identifier);
            if (resolved is null && DroppedAtLimit(identifier) && !state.Profiles.Any(p => p.Identifiers.Any(i => i.ToString() == identifier)))
            {
                continue;
            }

            Holds(resolved is not null, () => $"{identifier} resolves to no live profile; held by {string.Join(", ", state.Profiles.Where(p => p.Identifiers.Any(i => i.ToString() == identifier)).Select(p => $"{p.Id}{(p.MergedInto is null ? "" : "->" + p.MergedInto)}"))}; {state.History(all)}");
            Holds(resolved!.Identifiers.Any(i => i.ToString() == identifier), () => $"{identifier} resolves to {resolved.Id}, which does not hold it; {state.History(all)}");
            reachable[resolved.Id] = resolved;
        }

        foreach (var profile in state.Profiles.Where(p => p.MergedInto is null))
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
                    var owner = LiveOf(held.ToString())?.Id;
                    Holds(owner == profile.Id, () => $"{profile.Id} holds {held}, which resolves to {owner ?? "nothing"}; {state.History([profile.Id, owner])}");
                }
            }
            else
            {
                // A profile no identifier reaches (a claim lost to another consumer before anything was applied) holds no data.
                Holds(profile.Counters.Count == 0, () => $"{profile.Id} [{string.Join(", ", profile.Identifiers)}] is reached by no identifier but counted {string.Join(", ", profile.Counters.Keys)}; {state.History([profile.Id])}");
            }
        }

        // Redirects are one hop: a merged-away profile points at a live one.
        foreach (var redirect in state.Profiles.Where(p => p.MergedInto is not null))
        {
            var next = byId.GetValueOrDefault(redirect.MergedInto!);
            Holds(next is { MergedInto: null }, () => $"{redirect.Id} redirects to {redirect.MergedInto}, which {(next is null ? "is not stored" : "redirects to " + next.MergedInto)}; {state.History([redirect.Id, redirect.MergedInto])}");
        }

        // Every message is counted exactly once, by the live profiles.
        var live = state.Profiles.Where(p => p.MergedInto is null).ToList();
        var counted = live.Sum(p => p.Counters.Where(c => !c.Key.Contains(':', StringComparison.Ordinal)).Sum(c => c.Value.Count));
        var applicable = messages.Count(m => Rules.IdentifiersOf(m).Count > 0);
        Holds(applicable == counted, () => $"{applicable} messages counted {counted} times ("
            + string.Join(", ", messages.Select(m => (m.MessageId, By: live.Where(p => p.HasApplied(Cdp.Core.Ingest.IProcessedMessageLog.KeyFor(m.SourceId, m.MessageId))).Select(p => p.Id[..6]).ToList())).Where(m => m.By.Count != 1).Select(m => $"{m.MessageId} known to [{string.Join(",", m.By)}]"))
            + $"); {state.History(all)}");

        return [.. reachable.Values.Select(p => string.Join(",", p.Identifiers.Select(i => i.ToString()).Order(StringComparer.Ordinal))).Order(StringComparer.Ordinal)];
    }

    /// <summary>A trace line with the message keys it names written as message ids (the runs' messages are m000 to m099).</summary>
    public static string KeysAsMessageIds(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Contains("+recent[", StringComparison.Ordinal)
            ? Enumerable.Range(0, 100).Select(t => $"m{t:D3}").Aggregate(line, (text, id) => text.Replace(Cdp.Core.Ingest.IProcessedMessageLog.KeyFor("web", id)[..Profile.RememberedKeyLength], id, StringComparison.Ordinal))
            : line;
    }

    /// <summary>Fails with the message, built only then (a run's history is long).</summary>
    private static void Holds(bool condition, Func<string> message)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException(message());
        }
    }
}
