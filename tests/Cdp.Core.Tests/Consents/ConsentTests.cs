using System.Text.Json.Nodes;
using Cdp.Core.Consents;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Core.Tests.Segments;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Consents;

/// <summary>Consent set by each route (Segment's context, the Consent Updated event, the API), expiry at its instant, merges.</summary>
public sealed class ConsentTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly SegmentPipeline _pipeline = new(T0);
    private readonly FakeTimeProvider _time;
    private readonly InMemoryStores _stores;
    private readonly SegmentService _service;
    private readonly SegmentEvaluator _evaluator;
    private readonly ConsentService _consents;

    public ConsentTests()
    {
        (_time, _stores, _service, _evaluator) = (_pipeline.Time, _pipeline.Stores, _pipeline.Service, _pipeline.Evaluator);
        _consents = new ConsentService(_stores, Options.Create(new ConsentOptions()), _time);
    }

    public void Dispose() => _pipeline.Dispose();

    /// <summary>Sends a message of <paramref name="user"/> through ingest and the feed; the id of the user's profile.</summary>
    private async Task<string> SendAsync(string user, string? @event = null, JsonObject? properties = null, JsonObject? context = null)
    {
        await _pipeline.SendAsync(user, @event: @event, context: context, properties: properties);
        return (await _pipeline.ProfileOfAsync(user)).Id;
    }

    private Task FeedAsync() => _pipeline.FeedAsync();

    private async Task<Profile> ProfileAsync(string id) => (await _stores.GetAsync(id, CancellationToken.None))!.Profile;

    [Fact]
    public async Task ConsentIsSet_ByTheConsentContext_TheConsentUpdatedEvent_AndTheApi()
    {
        var id = await SendAsync("ada", context: new JsonObject { ["consent"] = new JsonObject { ["categoryPreferences"] = new JsonObject { ["analytics"] = true } } });
        _time.Advance(TimeSpan.FromMinutes(1));
        await SendAsync("ada", ConsentDecisions.UpdatedEvent, new JsonObject { ["purpose"] = "marketing_email", ["granted"] = true, ["expiresAt"] = T0.AddDays(30).ToString("O") });
        _time.Advance(TimeSpan.FromMinutes(1));
        await SendAsync("ada", ConsentDecisions.UpdatedEvent, new JsonObject { ["categoryPreferences"] = new JsonObject { ["personalization"] = false } });
        _time.Advance(TimeSpan.FromMinutes(1));
        var api = await _consents.SetAsync(id, "marketing_sms", new ConsentRequest(true, T0.AddDays(7), "call-center"), "req-1", CancellationToken.None);

        var consents = (await ProfileAsync(id)).Consents;
        Assert.Equal(consents, api.Profile!.Consents);
        Assert.Equal(new ProfileConsent(true, T0, "m1", "web"), consents["analytics"]);
        Assert.Equal(new ProfileConsent(true, T0.AddMinutes(1), "m2", "web", T0.AddDays(30)), consents["marketing_email"]);
        Assert.Equal(new ProfileConsent(false, T0.AddMinutes(2), "m3", "web"), consents["personalization"]);
        Assert.Equal(new ProfileConsent(true, T0.AddMinutes(3), "api:req-1", "call-center", T0.AddDays(7)), consents["marketing_sms"]);
    }

    [Fact]
    public async Task AGrantWithAnExpiry_CountsAsAbsentFromItsInstant_ASegmentLeavesThen()
    {
        Assert.Empty((await _service.PutAsync("emailable", new SegmentRequest("Emailable", "consent(\"marketing_email\")"), CancellationToken.None)).Errors);
        var id = await SendAsync("ada", ConsentDecisions.UpdatedEvent, new JsonObject { ["purpose"] = "marketing_email", ["granted"] = true, ["expiresAt"] = T0.AddHours(1).ToString("O") });
        Assert.True((await ProfileAsync(id)).Segments.ContainsKey("emailable"));

        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        await _evaluator.RunDueAsync(_time.GetUtcNow(), 100, CancellationToken.None);
        await FeedAsync();
        Assert.True((await ProfileAsync(id)).Segments.ContainsKey("emailable"));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _evaluator.RunDueAsync(_time.GetUtcNow(), 100, CancellationToken.None));
        await FeedAsync();
        Assert.False((await ProfileAsync(id)).Segments.ContainsKey("emailable"));
        Assert.False((await ProfileAsync(id)).Consents["marketing_email"].GrantedAt(_time.GetUtcNow()));
    }

    [Fact]
    public async Task ATraitThatNeedsAPurpose_IsStoredOnlyWhileItIsGranted()
    {
        var ingest = TestDomain.Ingest(_stores, time: _time, consent: new ConsentOptions { TraitPurposes = { ["phone"] = "marketing_sms" } });
        async Task<Profile> SendAsync(string id, JsonObject traits, JsonObject? context = null)
        {
            var now = _time.GetUtcNow();
            await ingest.ProcessAsync([new Message { MessageId = id, Type = MessageType.Identify, UserId = "bo", SourceId = "web", Traits = traits, Context = context, Timestamp = now, ReceivedAt = now }], CancellationToken.None);
            return await ProfileAsync((await _stores.FindAsync(TestDomain.Rules().KeyOf(new Identifier("user_id", "bo")), CancellationToken.None))!);
        }

        JsonObject Sms(bool granted) => new() { ["consent"] = new JsonObject { ["categoryPreferences"] = new JsonObject { ["marketing_sms"] = granted } } };

        var without = await SendAsync("t1", new JsonObject { ["phone"] = "+4915112345678", ["name"] = "Bo" });
        Assert.False(without.Traits.ContainsKey("phone"));
        Assert.True(without.Traits.ContainsKey("name"));

        _time.Advance(TimeSpan.FromMinutes(1));
        var granted = await SendAsync("t2", new JsonObject { ["phone"] = "+4915112345678" }, Sms(true)); // the same message grants it
        Assert.Equal("+4915112345678", granted.Traits["phone"].Value!.GetValue<string>());

        _time.Advance(TimeSpan.FromMinutes(1));
        var denied = await SendAsync("t3", new JsonObject { ["phone"] = "+4915199999999" }, Sms(false));
        Assert.Equal("+4915112345678", denied.Traits["phone"].Value!.GetValue<string>()); // the new value is not stored
    }

    [Fact]
    public void AMerge_KeepsTheLaterDecision_ADenialOnATie_WhicheverProfileAbsorbs()
    {
        Profile Survivor()
        {
            var survivor = new Profile("p_s", T0);
            survivor.SetConsent("marketing_email", new ProfileConsent(false, T0, "m-deny"));
            survivor.SetConsent("analytics", new ProfileConsent(true, T0, "m-old"));
            survivor.SetConsent("marketing_sms", new ProfileConsent(true, T0, "m-sms-grant"));
            return survivor;
        }

        Profile Merged()
        {
            var merged = new Profile("p_m", T0);
            merged.SetConsent("marketing_email", new ProfileConsent(true, T0.AddDays(1), "m-grant"));
            merged.SetConsent("analytics", new ProfileConsent(true, T0.AddHours(1), "m-new"));
            merged.SetConsent("marketing_sms", new ProfileConsent(false, T0, "m-sms"));
            return merged;
        }

        var one = Survivor();
        one.Absorb(Merged(), TestDomain.Policy());
        var other = Merged();
        other.Absorb(Survivor(), TestDomain.Policy());

        foreach (var survivor in new[] { one, other })
        {
            Assert.Equal((true, "m-grant"), (survivor.Consents["marketing_email"].Granted, survivor.Consents["marketing_email"].MessageId)); // the later
            Assert.Equal(new ProfileConsent(true, T0.AddHours(1), "m-new"), survivor.Consents["analytics"]);
            Assert.Equal((false, "m-sms"), (survivor.Consents["marketing_sms"].Granted, survivor.Consents["marketing_sms"].MessageId)); // a tie: the denial
        }
    }

    [Fact]
    public async Task TheApi_ValidatesEachField_FollowsMerges_AndARepeatedKeyChangesNothing()
    {
        var id = await SendAsync("ada");
        var bad = await _consents.SetAsync(id, "carrier_pigeon", new ConsentRequest(false, T0.AddDays(1)), "bad key!", CancellationToken.None);
        Assert.Equal(["Idempotency-Key", "expiresAt", "purpose"], bad.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["granted"], (await _consents.SetAsync(id, "analytics", new ConsentRequest(null), null, CancellationToken.None)).Errors.Keys);
        Assert.Equal(["expiresAt"], (await _consents.SetAsync(id, "analytics", new ConsentRequest(true, T0), null, CancellationToken.None)).Errors.Keys);
        Assert.Null((await _consents.SetAsync("p_nobody", "analytics", new ConsentRequest(true), null, CancellationToken.None)).Profile);

        var first = await _consents.SetAsync(id, "analytics", new ConsentRequest(true), "k1", CancellationToken.None);
        var version = (await _stores.GetAsync(id, CancellationToken.None))!.Profile.Version;
        _time.Advance(TimeSpan.FromMinutes(1));
        var again = await _consents.SetAsync(id, "analytics", new ConsentRequest(true), "k1", CancellationToken.None);
        Assert.Equal(first.Profile!.Consents, again.Profile!.Consents);
        Assert.Equal(version, (await _stores.GetAsync(id, CancellationToken.None))!.Profile.Version);

        var survivor = new Profile("p_survivor", T0);
        await _stores.TryCreateAsync(survivor, CancellationToken.None);
        var stored = (await _stores.GetAsync(id, CancellationToken.None))!;
        stored.Profile.RedirectTo("p_survivor");
        await _stores.TryReplaceAsync(stored.Profile, stored.VersionTag, CancellationToken.None);
        var redirected = await _consents.SetAsync(id, "analytics", new ConsentRequest(false), null, CancellationToken.None);
        Assert.Equal("p_survivor", redirected.Profile!.ProfileId);
        Assert.False((await ProfileAsync("p_survivor")).Consents["analytics"].Granted);
    }
}
