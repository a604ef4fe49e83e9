using System.Text.Json.Nodes;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using static Cdp.Core.Tests.Identity.Events;

namespace Cdp.Core.Tests.Identity;

/// <summary>The resolution and merge rules, through ingest, over the in-memory ports.</summary>
public class IdentityResolutionTests
{
    private readonly InMemoryStores _stores = new();
    private readonly IdentityRules _rules;
    private readonly Cdp.Core.Ingest.IngestService _ingest;
    private readonly ProfileReader _reader;

    public IdentityResolutionTests()
        : this(null, null)
    {
    }

    private IdentityResolutionTests(Action<IdentityOptions>? identity, Action<MergePolicyOptions>? policy)
    {
        _rules = TestDomain.Rules(identity);
        _ingest = TestDomain.Ingest(_stores, _rules, TestDomain.Policy(policy));
        _reader = TestDomain.Reader(_stores, _rules);
    }

    private static IdentityResolutionTests With(Action<IdentityOptions>? identity = null, Action<MergePolicyOptions>? policy = null) => new(identity, policy);

    private Task<Cdp.Core.Ingest.IngestSummary> Ingest(params Cdp.Core.Events.Message[] messages) => _ingest.ProcessAsync(messages, CancellationToken.None);

    private async Task<ProfileView> ProfileOf(string identifier)
    {
        Assert.True(_rules.TryParse(identifier, out var parsed));
        return (await _reader.FindAsync(parsed, CancellationToken.None)) ?? throw new Xunit.Sdk.XunitException($"No profile holds {identifier}.");
    }

    private static List<string> Ids(ProfileView profile) => [.. profile.Identifiers.Select(i => i.ToString()).Order(StringComparer.Ordinal)];

    private IReadOnlyList<LedgerEntry> LedgerOf(string profileId) => [.. _stores.LedgerEntries.Where(e => e.ProfileId == profileId).OrderBy(e => e.At)];

    private List<string> LiveProfiles() => [.. _stores.ProfileIds.Where(id => _stores.GetAsync(id, CancellationToken.None).Result!.Profile.MergedInto is null)];

    [Fact]
    public async Task NothingKnown_CreatesAProfile_LinkedInTheLedger()
    {
        await Ingest(Identify("m1", 0, userId: "u1", anonymousId: "a1", email: "ada@x.io"));

        var profile = await ProfileOf("user_id:u1");
        Assert.Equal(IdentityResolver.NewProfileId("m1"), profile.Id);
        Assert.Equal(["anonymous_id:a1", "email:ada@x.io", "user_id:u1"], Ids(profile));
        var link = Assert.Single(LedgerOf(profile.Id));
        Assert.Equal((LedgerEntry.Link, "new-profile", "m1"), (link.Kind, link.Rule, link.MessageId));
        Assert.Equal(["user_id", "email", "anonymous_id"], link.IdentifierTypes);
        Assert.DoesNotContain(link.IdentifierKeys, k => k.Contains("u1", StringComparison.Ordinal) || k.Contains("ada", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AllOnOneProfile_AttachesTheNewIdentifiers()
    {
        await Ingest(Track("m1", 0, anonymousId: "a1"));
        await Ingest(Identify("m2", 1, userId: "u1", anonymousId: "a1", email: "ada@x.io"));

        var profile = await ProfileOf("email:ADA@x.io");
        Assert.Equal(IdentityResolver.NewProfileId("m1"), profile.Id);
        Assert.Equal(["anonymous_id:a1", "email:ada@x.io", "user_id:u1"], Ids(profile));
        Assert.Equal(["new-profile", "matched-profile"], LedgerOf(profile.Id).Select(e => e.Rule));
        Assert.Single(LiveProfiles());
    }

    [Fact]
    public async Task SeveralProfiles_MergeIntoTheOldest_TheOtherRedirects()
    {
        await Ingest(Track("m1", 5, userId: "u1"));
        await Ingest(Track("m2", 1, anonymousId: "a1"));
        var older = (await ProfileOf("anonymous_id:a1")).Id;
        var newer = (await ProfileOf("user_id:u1")).Id;

        await Ingest(Identify("m3", 10, userId: "u1", anonymousId: "a1", traits: new JsonObject { ["plan"] = "pro" }));

        var survivor = await ProfileOf("user_id:u1");
        Assert.Equal(older, survivor.Id);
        Assert.Equal(["anonymous_id:a1", "user_id:u1"], Ids(survivor));
        Assert.Equal([newer], survivor.Merged);
        var redirected = (await _reader.GetAsync(newer, CancellationToken.None))!;
        Assert.Equal((older, newer), (redirected.Id, redirected.RedirectedFrom));
        Assert.Equal(older, _stores.Index[_rules.KeyOf(new Identifier("user_id", "u1"))]);
        var merge = Assert.Single(LedgerOf(older), e => e.Kind == LedgerEntry.Merge);
        Assert.Equal((newer, "m3", "shared-identifier"), (merge.OtherProfileId, merge.MessageId, merge.Rule));
        Assert.Equal(["user_id"], merge.IdentifierTypes);
        Assert.Equal([older], LiveProfiles());
    }

    [Fact]
    public async Task SurvivorTie_SameAge_LowerIdSurvives()
    {
        await Ingest(Track("m1", 0, userId: "u1"), Track("m2", 0, anonymousId: "a1"));
        var ids = new[] { IdentityResolver.NewProfileId("m1"), IdentityResolver.NewProfileId("m2") }.Order(StringComparer.Ordinal).ToList();

        await Ingest(Identify("m3", 1, userId: "u1", anonymousId: "a1"));

        Assert.Equal(ids[0], (await ProfileOf("user_id:u1")).Id);
        Assert.Equal([ids[1]], (await ProfileOf("anonymous_id:a1")).Merged);
    }

    [Fact]
    public async Task SegmentSharedEmail_UserIdLimit_DropsTheEmail_NoMerge()
    {
        await Ingest(Identify("m1", 0, userId: "a1", email: "e@x.io"));

        await Ingest(Identify("m2", 1, userId: "a2", email: "e@x.io", traits: new JsonObject { ["name"] = "Second" }));

        var first = await ProfileOf("user_id:a1");
        var second = await ProfileOf("user_id:a2");
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(["email:e@x.io", "user_id:a1"], Ids(first));
        Assert.Equal(["user_id:a2"], Ids(second));
        Assert.Equal("Second", second.Traits["name"].Value!.GetValue<string>());
        Assert.False(first.Traits.ContainsKey("name"));
        Assert.Equal(first.Id, (await ProfileOf("email:e@x.io")).Id);
        Assert.DoesNotContain(_stores.LedgerEntries, e => e.Kind == LedgerEntry.Merge);
    }

    [Fact]
    public async Task SharedDevice_TwoUsersOneAfterTheOther_TwoProfiles_DeviceOnTheLater_NoMerge()
    {
        await Ingest(Track("m0", 0, anonymousId: "device"));
        await Ingest(Identify("m1", 1, userId: "alice", anonymousId: "device"));
        await Ingest(Identify("m2", 2, userId: "bob", anonymousId: "device"));
        await Ingest(Track("m3", 3, anonymousId: "device"));

        var alice = await ProfileOf("user_id:alice");
        var bob = await ProfileOf("user_id:bob");
        Assert.NotEqual(alice.Id, bob.Id);
        Assert.Equal(["user_id:alice"], Ids(alice));
        Assert.Equal(["anonymous_id:device", "user_id:bob"], Ids(bob));
        Assert.Equal(bob.Id, (await ProfileOf("anonymous_id:device")).Id);
        Assert.Equal(2, alice.Counters.Events.Where(c => !c.Key.Contains(':', StringComparison.Ordinal)).Sum(c => c.Value.Count));
        Assert.Equal(2, bob.Counters.Events.Where(c => !c.Key.Contains(':', StringComparison.Ordinal)).Sum(c => c.Value.Count));
        var move = Assert.Single(_stores.LedgerEntries, e => e.Kind == LedgerEntry.Move);
        Assert.Equal((bob.Id, alice.Id, "m2", "follows-latest"), (move.ProfileId, move.OtherProfileId, move.MessageId, move.Rule));
        Assert.DoesNotContain(_stores.LedgerEntries, e => e.Kind == LedgerEntry.Merge);
    }

    [Fact]
    public async Task SharedDevice_EarlierLoginArrivingLate_DoesNotTakeTheDevice()
    {
        await Ingest(Identify("m2", 2, userId: "bob", anonymousId: "device"));
        await Ingest(Identify("m1", 1, userId: "alice", anonymousId: "device"));

        Assert.Equal(["user_id:alice"], Ids(await ProfileOf("user_id:alice")));
        Assert.Equal(["anonymous_id:device", "user_id:bob"], Ids(await ProfileOf("user_id:bob")));
        Assert.DoesNotContain(_stores.LedgerEntries, e => e.Kind == LedgerEntry.Move);
    }

    [Fact]
    public async Task EmailLimit_ASixthEmail_IsDropped_TheEventStillLandsOnTheProfile()
    {
        await Ingest([.. Enumerable.Range(1, 5).Select(i => Identify($"m{i}", i, userId: "u1", email: $"e{i}@x.io"))]);

        await Ingest(Identify("m6", 6, userId: "u1", email: "e6@x.io", traits: new JsonObject { ["plan"] = "pro" }));

        var profile = await ProfileOf("user_id:u1");
        Assert.Equal(5, profile.Identifiers.Count(i => i.Type == "email"));
        Assert.Equal("pro", profile.Traits["plan"].Value!.GetValue<string>());
        Assert.True(_rules.TryParse("email:e6@x.io", out var sixth));
        Assert.Null(await _reader.FindAsync(sixth, CancellationToken.None));
    }

    [Fact]
    public async Task ConfiguredPriority_DecidesWhichIdentifierIsDropped()
    {
        // With email stronger than user_id, the user id is dropped instead: the event joins the email's person.
        var test = With(o => o.Types["email"] = new IdentifierTypeOptions { Priority = 0 });
        await test.Ingest(Identify("m1", 0, userId: "a1", email: "e@x.io"));

        await test.Ingest(Identify("m2", 1, userId: "a2", email: "e@x.io"));

        Assert.Equal(["email:e@x.io", "user_id:a1"], Ids(await test.ProfileOf("email:e@x.io")));
        Assert.Single(test.LiveProfiles());
    }

    [Fact]
    public async Task MergeCap_TooManyProfiles_NoMerge_StrongestIdentifiersProfileTakesTheEvent()
    {
        var test = With(o => o.MaxProfilesPerMerge = 2);
        await test.Ingest(Identify("m1", 0, userId: "u1"), Identify("m2", 0, email: "e@x.io"), Identify("m3", 0, anonymousId: "a1"));

        await test.Ingest(Identify("m4", 1, userId: "u1", email: "e@x.io", anonymousId: "a1", traits: new JsonObject { ["plan"] = "pro" }));

        Assert.Equal(3, test.LiveProfiles().Count);
        var user = await test.ProfileOf("user_id:u1");
        Assert.Equal(["user_id:u1"], Ids(user));
        Assert.Equal("pro", user.Traits["plan"].Value!.GetValue<string>());
        Assert.DoesNotContain(test._stores.LedgerEntries, e => e.Kind == LedgerEntry.Merge);
    }

    [Fact]
    public async Task IdentifierCap_TooManyIdentifiers_NoMerge()
    {
        var test = With(o => o.MaxIdentifiersPerProfile = 2);
        await test.Ingest(Identify("m1", 0, userId: "u1", anonymousId: "a0"), Identify("m2", 1, anonymousId: "a1"));

        await test.Ingest(Identify("m3", 2, userId: "u1", anonymousId: "a1"));

        Assert.Equal(2, test.LiveProfiles().Count);
    }

    [Fact]
    public async Task Merge_CountersAdd_FirstAndLastTakeMinAndMax()
    {
        await Ingest(Track("m1", 1, anonymousId: "a1"), Track("m2", 2, anonymousId: "a1"));
        await Ingest(Track("m3", 5, userId: "u1"), Identify("m4", 7, userId: "u1"));

        await Ingest(Identify("m5", 9, userId: "u1", anonymousId: "a1"));

        var counters = (await ProfileOf("user_id:u1")).Counters;
        Assert.Equal(new EventCounter(3, T0.AddMinutes(1), T0.AddMinutes(5)), counters.Events["track"] with { Version = 0 });
        Assert.Equal(new EventCounter(2, T0.AddMinutes(7), T0.AddMinutes(9)), counters.Events["identify"] with { Version = 0 });
        Assert.Equal((T0.AddMinutes(1), T0.AddMinutes(9)), (counters.FirstSeen, counters.LastSeen));
    }

    [Fact]
    public async Task Merge_TraitsDecidedByPolicy_ProvenanceKept_LosersKept()
    {
        var test = With(policy: p => p.Traits["tier"] = new TraitPolicyOptions { Strategy = MergeStrategy.Oldest });
        await test.Ingest(Identify("m1", 1, anonymousId: "a1", traits: new JsonObject { ["tier"] = "gold", ["city"] = "Lyon" }, source: "web"));
        await test.Ingest(Identify("m2", 5, userId: "u1", traits: new JsonObject { ["tier"] = "silver", ["city"] = "Paris" }, source: "crm"));

        await test.Ingest(Identify("m3", 9, userId: "u1", anonymousId: "a1"));

        var profile = await test.ProfileOf("anonymous_id:a1");
        var tier = profile.Traits["tier"];
        Assert.Equal(("gold", "m1", "web"), (tier.Value!.GetValue<string>(), tier.MessageId, tier.Source));
        Assert.Equal("silver", Assert.Single(tier.History!).Value!.GetValue<string>());
        var city = profile.Traits["city"];
        Assert.Equal(("Paris", "crm", T0.AddMinutes(5)), (city.Value!.GetValue<string>(), city.Source, city.ObservedAt));
        Assert.Equal("Lyon", Assert.Single(city.History!).Value!.GetValue<string>());
    }

    [Fact]
    public async Task LateBinding_HistoryFollowsTheMerge_ReadThroughTheSurvivor()
    {
        await Ingest(Track("m1", 1, anonymousId: "a1"), Track("m2", 2, anonymousId: "a1"));
        await Ingest(Track("m3", 3, userId: "u1"));
        await Ingest(Identify("m4", 4, userId: "u1", anonymousId: "a1"));

        var survivor = await ProfileOf("user_id:u1");
        var merged = Assert.Single(survivor.Merged);
        var events = await _reader.EventsAsync(merged, 10, CancellationToken.None);
        Assert.Equal(["m4", "m3", "m2", "m1"], events!.Select(e => e.MessageId));
        Assert.Equal(2, (await _reader.LedgerAsync(merged, CancellationToken.None))!.Count(e => e.Kind == LedgerEntry.Link));
    }

    [Fact]
    public async Task ChainOfMerges_ReadingAnyIdGivesTheLiveSurvivor()
    {
        await Ingest(Track("m1", 1, anonymousId: "a1"), Track("m2", 2, anonymousId: "a2"), Track("m3", 3, anonymousId: "a3"));
        await Ingest(Identify("m4", 4, email: "e@x.io", anonymousId: "a3"));
        await Ingest(Identify("m5", 5, email: "e@x.io", anonymousId: "a2"));
        await Ingest(Identify("m6", 6, email: "e@x.io", anonymousId: "a1"));

        var survivor = IdentityResolver.NewProfileId("m1");
        foreach (var id in new[] { "m1", "m2", "m3" }.Select(IdentityResolver.NewProfileId))
        {
            Assert.Equal(survivor, (await _reader.GetAsync(id, CancellationToken.None))!.Id);
        }

        Assert.Equal(["anonymous_id:a1", "anonymous_id:a2", "anonymous_id:a3", "email:e@x.io"], Ids((await _reader.GetAsync(survivor, CancellationToken.None))!));
    }

    [Fact]
    public async Task RedeliveredBatchWithAMerge_ChangesNothing()
    {
        await Ingest(Track("m1", 1, anonymousId: "a1"), Track("m2", 2, userId: "u1"));
        var batch = new[] { Identify("m3", 3, userId: "u1", anonymousId: "a1", traits: new JsonObject { ["plan"] = "pro" }) };
        await Ingest(batch);
        var writes = _stores.Writes.Values.Sum();

        await Ingest(batch);

        Assert.Equal(writes, _stores.Writes.Values.Sum());
    }

    [Fact]
    public async Task BlockedIdentifier_IsNeverMatched_TwoPeopleSharingAPlaceholderStayApart()
    {
        await Ingest(Identify("m1", 1, userId: "u1", email: "null"));
        await Ingest(Identify("m2", 2, userId: "u2", email: "null"));

        Assert.Equal(2, LiveProfiles().Count);
        Assert.Equal(["user_id:u1"], Ids(await ProfileOf("user_id:u1")));
    }

    [Fact]
    public async Task RedirectToASurvivorNeverWritten_TheNextMessageStartsTheSurvivorAndAbsorbs()
    {
        // A crash between a merge's redirect and the survivor's first write leaves a redirect to nothing.
        await Ingest(Track("m1", 1, anonymousId: "a1"));
        var merged = (await ProfileOf("anonymous_id:a1")).Id;
        var stored = (await _stores.GetAsync(merged, CancellationToken.None))!;
        stored.Profile.RedirectTo("p_never_written");
        await _stores.TryReplaceAsync(stored.Profile, stored.VersionTag, CancellationToken.None);

        await Ingest(Track("m2", 2, anonymousId: "a1"));

        var survivor = await ProfileOf("anonymous_id:a1");
        Assert.Equal("p_never_written", survivor.Id);
        Assert.Equal([merged], survivor.Merged);
        Assert.Equal(2, survivor.Counters.Events["track"].Count);
    }
}
