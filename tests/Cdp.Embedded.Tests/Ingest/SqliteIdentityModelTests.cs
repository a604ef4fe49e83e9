using Cdp.Core;
using Cdp.Core.DeadLetters;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Embedded.Sqlite;
using Cdp.Testing.Model;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cdp.Embedded.Tests.Ingest;

/// <summary>
/// The identity model's invariants (<see cref="IdentityModel"/>) over the SQLite adapters: two consumers, each with its
/// own connection to one database, apply a random run's batches at once on real threads (SQLite's locking and busy
/// retries decide the interleaving), with crashes injected before random index and profile writes and batches
/// delivered twice. Not reproducible by seed the way the in-memory run is (the threads are real); a failure prints the
/// run and the ledger.
/// </summary>
public class SqliteIdentityModelTests
{
    private sealed class Crash : OperationCanceledException;

    /// <summary>
    /// Throws <see cref="Crash"/> before a write when <paramref name="crash"/> says so (a consumer stopping between two
    /// writes); before every call <paramref name="jitter"/> may let the other consumer run first, so that the two
    /// interleave between single store calls, not only between batches.
    /// </summary>
    private sealed class CrashingIndex(IIdentityIndex inner, Func<bool> crash, Action jitter) : IIdentityIndex
    {
        public Task<string?> FindAsync(string key, CancellationToken cancellationToken)
        {
            jitter();
            return inner.FindAsync(key, cancellationToken);
        }

        public Task<string> ClaimAsync(string key, string profileId, CancellationToken cancellationToken)
        {
            jitter();
            return crash() ? throw new Crash() : inner.ClaimAsync(key, profileId, cancellationToken);
        }

        public Task<string> ReassignAsync(string key, string fromProfileId, string toProfileId, CancellationToken cancellationToken)
        {
            jitter();
            return crash() ? throw new Crash() : inner.ReassignAsync(key, fromProfileId, toProfileId, cancellationToken);
        }
    }

    private sealed class CrashingProfiles(IProfileStore inner, Func<bool> crash, Action jitter) : IProfileStore
    {
        public Task<StoredProfile?> GetAsync(string profileId, CancellationToken cancellationToken)
        {
            jitter();
            return inner.GetAsync(profileId, cancellationToken);
        }

        public Task<string?> TryCreateAsync(Profile profile, CancellationToken cancellationToken)
        {
            jitter();
            return crash() ? throw new Crash() : inner.TryCreateAsync(profile, cancellationToken);
        }

        public Task<string?> TryReplaceAsync(Profile profile, string versionTag, CancellationToken cancellationToken)
        {
            jitter();
            return crash() ? throw new Crash() : inner.TryReplaceAsync(profile, versionTag, cancellationToken);
        }

        public Task<bool> TryDeleteAsync(StoredProfile stored, DateTimeOffset deletedAt, CancellationToken cancellationToken) =>
            inner.TryDeleteAsync(stored, deletedAt, cancellationToken);
    }

    private static IngestService Consumer(EmbeddedStore store, Func<bool> crash, Action jitter)
    {
        var resolver = new IdentityResolver(IdentityModel.Rules, store.Policy, new CrashingIndex(store.Identities, crash, jitter), new CrashingProfiles(store.Profiles, crash, jitter), store.Ledger, NullLogger<IdentityResolver>.Instance);
        return new IngestService(resolver, store.Policy, store.Ledger, store.Events, store.Processed, store.DeadLetters, store.Time, NullLogger<IngestService>.Instance, failures: new TransientFailures([new SqliteTransientFailures()]));
    }

    private static async Task<IdentityModel.State> StateOfAsync(EmbeddedStore store)
    {
        var profiles = new List<Profile>();
        for (string? position = null; ;)
        {
            var page = await store.Profiles.ListAsync(position, 100, CancellationToken.None);
            profiles.AddRange(page.Profiles.Select(p => p.Profile));
            if ((position = page.Next) is null)
            {
                break;
            }
        }

        var owners = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var key in profiles.SelectMany(p => p.Identifiers).Select(i => IdentityModel.Rules.KeyOf(i.Identifier)).Concat(IdentityModel.AllKeys()).Distinct())
        {
            owners[key] = await store.Identities.FindAsync(key, CancellationToken.None);
        }

        var letters = await store.DeadLetters.ListAsync(1000, CancellationToken.None);
        var ledger = new List<LedgerEntry>();
        foreach (var profile in profiles)
        {
            ledger.AddRange(await store.Ledger.ListAsync(profile.Id, CancellationToken.None));
        }

        return new IdentityModel.State(
            key => owners.GetValueOrDefault(key),
            profiles,
            [.. letters],
            ids => "profiles:\n" + string.Join("\n", profiles.Select(p => $"{p.Id[..6]} [{string.Join(",", p.Identifiers)}]{(p.MergedInto is null ? "" : " ->" + p.MergedInto[..6])} {string.Join(",", p.Counters.Select(c => $"{c.Key}={c.Value.Count}"))}"))
                + "\nledger: " + string.Join(" | ", ledger.DistinctBy(e => e.Id).OrderBy(e => e.At).Select(e => $"{e.MessageId} {e.Kind} {e.Rule} {e.ProfileId[..6]}{(e.OtherProfileId is null ? "" : "<-" + e.OtherProfileId[..6])} {string.Join("+", e.IdentifierTypes)}")));
    }

    [Fact]
    public void TwoConsumersOnOneDatabase_WithCrashes_ASharedEmailAcrossUserIds_InvariantsHold()
    {
        IdentityModel.Runs(shared: true, maxConsumers: 2).Sample(
            run =>
            {
                using var first = new EmbeddedStore();
                using var second = new EmbeddedStore(first.Options.Value.DataDirectory);
                var random = new Random(run.CrashSeed);
                var crashing = new ThreadLocal<bool>();
                bool Crash()
                {
                    lock (random)
                    {
                        return crashing.Value && random.Next(1000) < run.CrashPerMille;
                    }
                }

                void Jitter()
                {
                    int pause;
                    lock (random)
                    {
                        pause = random.Next(4);
                    }

                    if (pause == 0)
                    {
                        Thread.Sleep(1);
                    }
                    else if (pause == 1)
                    {
                        Thread.Yield();
                    }
                }

                var consumers = new[] { Consumer(first, Crash, Jitter), Consumer(second, Crash, Jitter) };
                var deliveries = IdentityModel.Deliveries(run);
                var threads = deliveries.Select((mine, i) => new Thread(() =>
                {
                    foreach (var batch in mine)
                    {
                        for (var attempt = 0; ; attempt++)
                        {
                            crashing.Value = attempt < 20;
                            try
                            {
                                consumers[i].ProcessAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
                                break;
                            }
                            catch (Exception ex) when (ex is OperationCanceledException or ContentionException && attempt < 200)
                            {
                                // Crashed, or identity kept changing (transient): the stream delivers the batch again.
                            }
                        }
                    }
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());

                IdentityModel.CheckInvariants(run, StateOfAsync(first).GetAwaiter().GetResult());
            },
            iter: IdentityModel.Iterations(ci: 40),
            threads: 1);
    }
}
