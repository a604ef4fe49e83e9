using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using static Cdp.Core.Tests.Identity.Events;

namespace Cdp.Core.Tests.Identity;

/// <summary>
/// Regressions of issue 16, each reproduced against the code before its fix: identity and counts that stay right
/// through merges, concurrency, crashes and hostile values.
/// </summary>
public class TrustRegressionTests
{
    private static readonly MergePolicy SumPolicy = TestDomain.Policy(p =>
    {
        p.Traits["points"] = new TraitPolicyOptions { Strategy = MergeStrategy.Sum };
        p.Traits["best"] = new TraitPolicyOptions { Strategy = MergeStrategy.Max };
        p.Traits["lowest"] = new TraitPolicyOptions { Strategy = MergeStrategy.Min };
    });

    private static Profile Live(InMemoryStores stores, IdentityRules rules, string identifier)
    {
        Assert.True(rules.TryParse(identifier, out var parsed));
        var owner = stores.Index[rules.KeyOf(parsed)];
        return stores.LiveAsync(owner, CancellationToken.None).GetAwaiter().GetResult()!.Profile;
    }

    private static long Count(Profile profile, string type) => profile.Counters.TryGetValue(type, out var counter) ? counter.Count : 0;

    [Fact]
    public async Task Merge_SurvivorFullOfRecentKeys_ARedeliveredBatchOfTheMergedProfile_CountsNothingTwice()
    {
        // The processed-message log off, as in the Function App by default: the profiles' recent keys are the only guard.
        var stores = new InMemoryStores { RememberProcessed = false };
        var ingest = TestDomain.Ingest(stores);
        for (var i = 0; i < 130; i++)
        {
            await ingest.ProcessAsync([Track($"a{i:D3}", i, userId: "u1")], CancellationToken.None);
        }

        Message[] deviceBatch = [Track("b1", 200, anonymousId: "d1"), Track("b2", 201, anonymousId: "d1")];
        await ingest.ProcessAsync(deviceBatch, CancellationToken.None);
        await ingest.ProcessAsync([Identify("m", 300, userId: "u1", anonymousId: "d1")], CancellationToken.None);

        // The device's batch comes again (a crash before its checkpoint), and so does the merging one.
        await ingest.ProcessAsync(deviceBatch, CancellationToken.None);
        await ingest.ProcessAsync([Identify("m", 300, userId: "u1", anonymousId: "d1")], CancellationToken.None);

        var person = Live(stores, TestDomain.Rules(), "user_id:u1");
        Assert.Equal(132, Count(person, "track"));
        Assert.Equal(1, Count(person, "identify"));
    }

    [Fact]
    public async Task SumMaxMin_NumbersPastDecimal_AreDecided_NoException()
    {
        var stores = new InMemoryStores();
        var ingest = TestDomain.Ingest(stores, policy: SumPolicy);
        JsonObject Traits(string points, string best, string lowest) => new()
        {
            ["points"] = JsonNode.Parse(points),
            ["best"] = JsonNode.Parse(best),
            ["lowest"] = JsonNode.Parse(lowest),
        };

        await ingest.ProcessAsync([Identify("m1", 1, userId: "u1", traits: Traits("7e28", "5", "1e30"))], CancellationToken.None);
        await ingest.ProcessAsync([Identify("m2", 2, userId: "u1", traits: Traits("7e28", "1e30", "3"))], CancellationToken.None);
        await ingest.ProcessAsync([Identify("m3", 3, userId: "u1", traits: Traits("1e308", "2", "-1e300"))], CancellationToken.None);
        await ingest.ProcessAsync([Identify("m4", 4, userId: "u1", traits: Traits("1e308", "1", "4"))], CancellationToken.None);

        var profile = Live(stores, TestDomain.Rules(), "user_id:u1");
        Assert.Empty(stores.DeadLetters);
        // 7e28 + 7e28 passes decimal: the sum goes on as a double; 1e308 + 1e308 passes any double: that contribution is dropped.
        Assert.Equal(1e308, profile.Traits["points"].Value!.GetValue<double>(), 1e293);
        Assert.Equal(1e30, double.Parse(profile.Traits["best"].Value!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(-1e300, double.Parse(profile.Traits["lowest"].Value!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture));
        // The stored value is a JSON number a store can write.
        Assert.Equal(JsonValueKind.Number, profile.Traits["points"].Value!.GetValueKind());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("null")]
    [InlineData("unknown")]
    [InlineData("0000")]
    [InlineData("a\u0001b")]
    public async Task ACustomBlockedList_KeepsTheBuiltInPlaceholdersBlocked(string userId)
    {
        var rules = TestDomain.Rules(o => o.Types["user_id"] = new IdentifierTypeOptions { Blocked = ["guest"] });
        var stores = new InMemoryStores();
        var ingest = TestDomain.Ingest(stores, rules);

        await ingest.ProcessAsync([Track("m1", 1, userId: userId, anonymousId: "d1"), Track("m2", 2, userId: userId, anonymousId: "d2"), Track("m3", 3, userId: "guest", anonymousId: "d3")], CancellationToken.None);

        Assert.Empty(rules.IdentifiersOf(Track("x", 0, userId: userId)));
        Assert.Empty(rules.IdentifiersOf(Track("x", 0, userId: "guest")));
        Assert.Equal(3, stores.ProfileIds.Count()); // one per device: the blank or placeholder user id joined nobody
    }

    public static TheoryData<int[]> ConsentOrders => new() { { [0, 1, 2] }, { [0, 2, 1] }, { [1, 0, 2] }, { [1, 2, 0] }, { [2, 0, 1] }, { [2, 1, 0] } };

    [Theory]
    [MemberData(nameof(ConsentOrders))]
    public async Task ConsentAcrossAMerge_AnyArrivalOrder_TheLatestDecisionWins_DenialOnATie(int[] order)
    {
        // The device denies at 10:00, the user grants at 11:00 and denies "analytics" at the same instant as the device grants it; a login joins them.
        Message Consent(string id, double minutes, string? userId, string? anonymousId, JsonObject decisions) =>
            Track(id, minutes, userId: userId, anonymousId: anonymousId) with { Event = "Consent Updated", Properties = new JsonObject { ["categoryPreferences"] = decisions } };
        Message[] messages =
        [
            Consent("c1", 60, null, "d1", new JsonObject { ["marketing_email"] = false, ["analytics"] = true }),
            Consent("c2", 120, "u1", null, new JsonObject { ["marketing_email"] = true }),
            Identify("login", 30, userId: "u1", anonymousId: "d1"),
        ];
        var analyticsDenial = Consent("c3", 60, "u1", null, new JsonObject { ["analytics"] = false });
        var stores = new InMemoryStores();
        var ingest = TestDomain.Ingest(stores);

        await ingest.ProcessAsync([analyticsDenial], CancellationToken.None);
        foreach (var i in order)
        {
            await ingest.ProcessAsync([messages[i]], CancellationToken.None);
        }

        var person = Live(stores, TestDomain.Rules(), "user_id:u1");
        Assert.Equal(Live(stores, TestDomain.Rules(), "anonymous_id:d1").Id, person.Id);
        Assert.Equal((true, "c2"), (person.Consents["marketing_email"].Granted, person.Consents["marketing_email"].MessageId));
        Assert.Equal((false, "c3"), (person.Consents["analytics"].Granted, person.Consents["analytics"].MessageId));
    }

    /// <summary>Every identifier the index holds names a live profile (after redirects) that holds it; no profile holds two user ids.</summary>
    private static void AssertIdentityConsistent(InMemoryStores stores, IdentityRules rules, params string[] identifiers)
    {
        foreach (var text in identifiers)
        {
            var profile = Live(stores, rules, text);
            Assert.Contains(text, profile.Identifiers.Select(i => i.ToString()));
            Assert.True(profile.CountOf("user_id") <= 1, $"{profile.Id} holds {string.Join(", ", profile.Identifiers)}");
        }
    }

    [Fact]
    public async Task TwoConsumers_SharedEmail_ASecondConsumerBetweenTheFirstsWrites_NeverPutsTwoUserIdsOnOneProfile()
    {
        var stores = new InMemoryStores();
        var rules = TestDomain.Rules();
        var consumerA = TestDomain.Ingest(stores, rules);
        var consumerB = TestDomain.Ingest(stores, rules);
        var m1 = Identify("m1", 1, userId: "u1", email: "shared@x.io");
        var m2 = Identify("m2", 2, userId: "u2", email: "shared@x.io");
        var interleaved = false;
        stores.BeforeWrite = operation =>
        {
            // B runs whole while A is between its index claims and its profile write (or, fixed, before its claims).
            if (operation == "create" && !interleaved)
            {
                interleaved = true;
                consumerB.ProcessAsync([m2], CancellationToken.None).GetAwaiter().GetResult();
            }
        };

        await consumerA.ProcessAsync([m1], CancellationToken.None);
        stores.BeforeWrite = null;
        await consumerA.ProcessAsync([m1], CancellationToken.None);
        await consumerB.ProcessAsync([m2], CancellationToken.None);

        Assert.True(interleaved);
        AssertIdentityConsistent(stores, rules, "user_id:u1", "user_id:u2", "email:shared@x.io");
        Assert.NotEqual(Live(stores, rules, "user_id:u1").Id, Live(stores, rules, "user_id:u2").Id);
        Assert.Equal(T0.AddMinutes(1), Live(stores, rules, "user_id:u1").CreatedAt);
    }

    [Fact]
    public async Task AConsumerCrashingAfterItsClaims_AnotherMessageMeanwhile_NeverPutsTwoUserIdsOnOneProfile()
    {
        var stores = new InMemoryStores();
        var rules = TestDomain.Rules();
        var ingest = TestDomain.Ingest(stores, rules);
        var m1 = Identify("m1", 1, userId: "u1", email: "shared@x.io");
        var m2 = Identify("m2", 2, userId: "u2", email: "shared@x.io");
        stores.BeforeWrite = operation =>
        {
            if (operation == "create")
            {
                throw new OperationCanceledException("crash");
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ingest.ProcessAsync([m1], CancellationToken.None));
        stores.BeforeWrite = null;
        await ingest.ProcessAsync([m2], CancellationToken.None);
        await ingest.ProcessAsync([m1], CancellationToken.None);

        AssertIdentityConsistent(stores, rules, "user_id:u1", "user_id:u2", "email:shared@x.io");
        Assert.NotEqual(Live(stores, rules, "user_id:u1").Id, Live(stores, rules, "user_id:u2").Id);
    }

    [Fact]
    public async Task TwoConsumers_LinkingDifferentUserIdsToOneKnownProfile_OneOfThemIsRefused()
    {
        var stores = new InMemoryStores();
        var rules = TestDomain.Rules();
        var consumerA = TestDomain.Ingest(stores, rules);
        var consumerB = TestDomain.Ingest(stores, rules);
        await consumerA.ProcessAsync([Identify("m0", 0, anonymousId: "d1", email: "shared@x.io")], CancellationToken.None);
        var interleaved = false;
        stores.BeforeWrite = operation =>
        {
            if (operation is "replace" or "claim" && !interleaved)
            {
                interleaved = true;
                consumerB.ProcessAsync([Identify("m2", 2, userId: "u2", email: "shared@x.io")], CancellationToken.None).GetAwaiter().GetResult();
            }
        };

        await consumerA.ProcessAsync([Identify("m1", 1, userId: "u1", email: "shared@x.io")], CancellationToken.None);

        Assert.True(interleaved);
        AssertIdentityConsistent(stores, rules, "user_id:u1", "user_id:u2", "email:shared@x.io", "anonymous_id:d1");
    }

    [Fact]
    public async Task ACrashAfterAProfileIsCreatedAndMergedAwayInOneBatch_KeepsItsNewProfileLedgerEntry()
    {
        var stores = new InMemoryStores();
        var ingest = TestDomain.Ingest(stores);
        await ingest.ProcessAsync([Track("m0", 0, userId: "u1")], CancellationToken.None);
        Message[] batch = [Track("m1", 1, anonymousId: "a1"), Identify("m2", 2, userId: "u1", anonymousId: "a1")];
        var ledgerWrites = 0;
        stores.BeforeWrite = operation =>
        {
            if (operation == "ledger" && ++ledgerWrites == 2)
            {
                throw new OperationCanceledException("crash");
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ingest.ProcessAsync(batch, CancellationToken.None));
        stores.BeforeWrite = null;
        await ingest.ProcessAsync(batch, CancellationToken.None);

        var created = IdentityResolver.NewProfileId("m1");
        Assert.Contains(stores.LedgerEntries, e => e.ProfileId == created && e.Kind == LedgerEntry.Link && e.Rule == "new-profile" && e.MessageId == "m1");
        Assert.Contains(stores.LedgerEntries, e => e.OtherProfileId == created && e.Kind == LedgerEntry.Merge);
    }

    [Fact]
    public async Task AMergeReportsWhatIsNew_NotTheAbsorbedHistory_AsChangedCounters()
    {
        var stores = new InMemoryStores();
        var ingest = TestDomain.Ingest(stores);
        await ingest.ProcessAsync([Identify("m0", 0, userId: "u1")], CancellationToken.None);
        await ingest.ProcessAsync([Track("m1", 10, anonymousId: "d1") with { Event = "Order Completed" }], CancellationToken.None);
        var before = (await stores.ReadAsync("c", 1000, CancellationToken.None)).Changes.Count;

        // Weeks later the device logs in: its profile merges into the person's, which takes in its counters.
        await ingest.ProcessAsync([Identify("m2", 20_000, userId: "u1", anonymousId: "d1")], CancellationToken.None);

        var survivor = Live(stores, TestDomain.Rules(), "user_id:u1");
        Assert.Equal(1, Count(survivor, "track:Order Completed"));
        var changes = (await stores.ReadAsync("c", 1000, CancellationToken.None)).Changes.Skip(before).Where(c => c.ProfileId == survivor.Id).ToList();
        Assert.Contains(changes, c => c.Profile.ChangedPaths!.Contains("merged"));
        Assert.DoesNotContain(changes, c => c.Profile.ChangedPaths!.Any(p => p.StartsWith("counters.track", StringComparison.Ordinal)));
        Assert.Contains(changes, c => c.Profile.ChangedPaths!.Contains("counters.identify")); // the login itself is new
    }

    [Fact]
    public async Task ThirtyFiveProfilesMergedOldestLast_EveryRedirectIsOneHop_AndReadsAndWritesReachTheSurvivor()
    {
        var stores = new InMemoryStores();
        var ingest = TestDomain.Ingest(stores);
        // Device k first seen at minute 100 - k: each later device is older, so each merge goes into the newcomer.
        for (var k = 0; k < 35; k++)
        {
            await ingest.ProcessAsync([Track($"t{k}", 100 - k, anonymousId: $"a{k}")], CancellationToken.None);
        }

        for (var k = 1; k < 35; k++)
        {
            await ingest.ProcessAsync([Identify($"link{k}", 200 + k, anonymousId: $"a{k - 1}") with { Type = Cdp.Core.Events.MessageType.Alias, PreviousId = $"a{k}" }], CancellationToken.None);
        }

        var survivor = IdentityResolver.NewProfileId("t34");
        var redirects = stores.ProfileIds.Select(id => stores.GetAsync(id, CancellationToken.None).Result!.Profile).Where(p => p.MergedInto is not null).ToList();
        Assert.Empty(stores.DeadLetters.Select(l => l.Reason));
        Assert.Equal(34, redirects.Count);
        Assert.All(redirects, p => Assert.Equal(survivor, p.MergedInto));
        Assert.Equal(survivor, (await TestDomain.Reader(stores).GetAsync(IdentityResolver.NewProfileId("t0"), CancellationToken.None))!.Id);
        Assert.Equal(35, Count(Live(stores, TestDomain.Rules(), "anonymous_id:a0"), "track"));
    }
}
