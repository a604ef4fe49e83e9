using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using static Cdp.Core.Tests.Identity.Events;

namespace Cdp.Core.Tests.Identity;

/// <summary>
/// A merge is a sequence of writes (ledger, redirect, absorb, index moves, then the batch's ledger links,
/// events, profiles and processed-message log). A crash is injected before each write in turn; the batch
/// is then delivered again, and the state must be exactly the state of an uninterrupted run.
/// </summary>
public class CrashInjectionTests
{
    private static readonly Message[] Before =
    [
        Track("m1", 1, anonymousId: "a1"),
        Identify("m2", 2, anonymousId: "a1", traits: new JsonObject { ["plan"] = "free", ["points"] = 5 }),
        Track("m3", 3, userId: "u1"),
        Identify("m4", 4, userId: "u1", email: "ada@x.io", traits: new JsonObject { ["points"] = 7 }),
    ];

    private static readonly Message[] Merging =
    [
        Identify("m5", 5, userId: "u1", anonymousId: "a1", traits: new JsonObject { ["plan"] = "pro", ["points"] = 1 }),
        Track("m6", 6, anonymousId: "a1"),
    ];

    private static readonly Message Later = Track("m7", 7, userId: "u1");

    /// <summary>A crash stops the work where it is: like a cancellation, not a failure that ingest contains as a dead letter.</summary>
    private sealed class Crash : OperationCanceledException;

    private static InMemoryStores Prepared(out Cdp.Core.Ingest.IngestService ingest)
    {
        var stores = new InMemoryStores();
        ingest = TestDomain.Ingest(stores, policy: TestDomain.Policy(p => p.Traits["points"] = new TraitPolicyOptions { Strategy = MergeStrategy.Sum }));
        foreach (var message in Before)
        {
            ingest.ProcessAsync([message], CancellationToken.None).GetAwaiter().GetResult();
        }

        return stores;
    }

    /// <summary>Live profiles (identifiers, traits, counters, what they merged), redirects, index owners by identifier and ledger entries, ids included.</summary>
    private static string State(InMemoryStores stores)
    {
        var rules = TestDomain.Rules();
        var profiles = stores.ProfileIds.Order(StringComparer.Ordinal).Select(id =>
        {
            var p = stores.GetAsync(id, CancellationToken.None).GetAwaiter().GetResult()!.Profile;
            if (p.MergedInto is not null)
            {
                // A redirect's frozen content is what it held when merged, which depends on what came first.
                return $"{p.Id}->{p.MergedInto}";
            }

            return $"{p.Id} [{string.Join(",", p.Identifiers.Select(i => i.ToString()).Order(StringComparer.Ordinal))}] "
                + string.Join(";", p.Traits.Select(t => $"{t.Key}={t.Value.Value?.ToJsonString()}")) + " "
                + string.Join(";", p.Counters.Select(c => $"{c.Key}:{c.Value.Count}")) + " merged:" + string.Join(",", p.Merged);
        });
        var index = new[] { "anonymous_id:a1", "user_id:u1", "email:ada@x.io" }.Select(text =>
        {
            Assert.True(rules.TryParse(text, out var identifier));
            return $"{text}=>{stores.Index[rules.KeyOf(identifier)]}";
        });
        var ledger = stores.LedgerEntries.Select(e => $"{e.Kind}:{e.ProfileId}:{e.OtherProfileId}:{e.MessageId}").Order(StringComparer.Ordinal);
        return string.Join("\n", profiles.Concat(index).Concat(ledger));
    }

    private static int WritesOf(Message[] batch)
    {
        var stores = Prepared(out var ingest);
        var before = stores.Writes.Values.Sum();
        ingest.ProcessAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
        return stores.Writes.Values.Sum() - before;
    }

    public static TheoryData<int> Steps() => [.. Enumerable.Range(0, WritesOf(Merging))];

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task MergeInterruptedBeforeWrite_N_ThenRedelivered_EndsExactlyAsUninterrupted(int step)
    {
        var expected = Prepared(out var clean);
        await clean.ProcessAsync(Merging, CancellationToken.None);
        var stores = Prepared(out var ingest);
        var writes = 0;
        stores.BeforeWrite = _ =>
        {
            if (writes++ == step)
            {
                throw new Crash();
            }
        };

        await Assert.ThrowsAsync<Crash>(() => ingest.ProcessAsync(Merging, CancellationToken.None));
        stores.BeforeWrite = null;
        await ingest.ProcessAsync(Merging, CancellationToken.None);

        Assert.Equal(State(expected), State(stores));
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task MergeInterruptedBeforeWrite_N_AnotherMessageFollowsTheRedirectFirst_ThenRedelivered_Converges(int step)
    {
        var expected = Prepared(out var clean);
        await clean.ProcessAsync(Merging, CancellationToken.None);
        await clean.ProcessAsync([Later], CancellationToken.None);
        var stores = Prepared(out var ingest);
        var writes = 0;
        stores.BeforeWrite = _ =>
        {
            if (writes++ == step)
            {
                throw new Crash();
            }
        };

        await Assert.ThrowsAsync<Crash>(() => ingest.ProcessAsync(Merging, CancellationToken.None));
        stores.BeforeWrite = null;
        await ingest.ProcessAsync([Later], CancellationToken.None);
        await ingest.ProcessAsync(Merging, CancellationToken.None);

        Assert.Equal(State(expected), State(stores));
    }

    [Fact]
    public void TheMergingBatch_WritesInSeveralSteps()
    {
        // Guards the theories above: a merge that became one write would make them vacuous.
        Assert.True(WritesOf(Merging) >= 6, $"{WritesOf(Merging)} writes");
    }
}
