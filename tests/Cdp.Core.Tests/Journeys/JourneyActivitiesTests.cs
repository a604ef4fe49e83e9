using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Journeys;

/// <summary>What the journey activities read of a profile that was merged away while an instance ran.</summary>
public class JourneyActivitiesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly InMemoryStores _stores = new();
    private readonly JourneyActivities _activities;

    public JourneyActivitiesTests() => _activities = new JourneyActivities(_stores, new InMemoryJourneys(), TestDomain.Policy(), new FakeTimeProvider(T0.AddDays(1)));

    /// <summary>Ada granted marketing email on the device profile, then was merged into a survivor that denied it.</summary>
    private async Task MergedAsync()
    {
        var device = new Profile("p_device", T0);
        device.SetConsent("marketing_email", new ProfileConsent(true, T0, "m1"));
        device.SetTrait("firstName", new Trait(System.Text.Json.Nodes.JsonValue.Create("Device"), T0, "m1", "web"), TestDomain.Policy());
        device.RedirectTo("p_survivor");
        await _stores.TryCreateAsync(device, CancellationToken.None);
        var survivor = new Profile("p_survivor", T0);
        survivor.SetConsent("marketing_email", new ProfileConsent(false, T0.AddHours(1), "m2"));
        survivor.SetTrait("firstName", new Trait(System.Text.Json.Nodes.JsonValue.Create("Ada"), T0.AddHours(1), "m2", "web"), TestDomain.Policy());
        await _stores.TryCreateAsync(survivor, CancellationToken.None);
    }

    [Fact]
    public async Task AskingAMergedAwayProfile_AnswersForTheSurvivor()
    {
        await MergedAsync();

        var consent = await _activities.AskAsync(new JourneyQuestion("p_device", JourneyQuestion.Consent, "marketing_email"), CancellationToken.None);
        var rule = await _activities.AskAsync(new JourneyQuestion("p_device", JourneyQuestion.Rule, "text(\"firstName\") == \"Ada\""), CancellationToken.None);

        Assert.False(consent.Yes);
        Assert.True(rule.Yes);
    }

    [Fact]
    public async Task RenderingForAMergedAwayProfile_FillsTheSurvivorsTraits()
    {
        await MergedAsync();

        var body = await _activities.RenderAsync(new JourneyWebhook(new Uri("https://hooks.example/"), new System.Text.Json.Nodes.JsonObject { ["name"] = "{{traits.firstName}}" }, TimeSpan.FromSeconds(5), "j1", 1, "p_device", "i1", "steps[0]"), CancellationToken.None);

        Assert.Equal("""{"name":"Ada"}""", body);
    }

    /// <summary>
    /// The built-in actions run as plugins through the same activity as any other: <c>setTrait</c> and <c>addTag</c>
    /// write with provenance <c>journey:ID</c> and the step's key, a repeat of the same step changes nothing, and a
    /// merged-away person is not written.
    /// </summary>
    [Fact]
    public async Task BuiltInActions_RunAsPlugins_OnceAndOnlyOnALiveProfile()
    {
        await MergedAsync();
        await _stores.TryCreateAsync(new Profile("p_ada", T0), CancellationToken.None);
        JourneyActionCall Call(string profile, string action, string settings) => new("j1", 1, profile, "i1", "steps[0]", action, settings, null);

        var set = await _activities.RunActionAsync(Call("p_ada", JourneyStep.SetTrait, """{"trait":"plan","value":"pro"}"""), CancellationToken.None);
        var tagged = await _activities.RunActionAsync(Call("p_ada", JourneyStep.AddTag, """{"tag":"vip"}"""), CancellationToken.None);
        var versionAfter = (await _stores.GetAsync("p_ada", CancellationToken.None))!.VersionTag;
        await _activities.RunActionAsync(Call("p_ada", JourneyStep.SetTrait, """{"trait":"plan","value":"pro"}"""), CancellationToken.None);
        await _activities.RunActionAsync(Call("p_ada", JourneyStep.AddTag, """{"tag":"vip"}"""), CancellationToken.None);
        var merged = await _activities.RunActionAsync(Call("p_device", JourneyStep.SetTrait, """{"trait":"plan","value":"pro"}"""), CancellationToken.None);

        var ada = (await _stores.GetAsync("p_ada", CancellationToken.None))!;
        Assert.True(set.Ran && tagged.Ran);
        Assert.Equal("pro", ada.Profile.Traits["plan"].Value!.GetValue<string>());
        Assert.Equal("journey:j1", ada.Profile.Traits["plan"].Source);
        Assert.Equal("i1/steps[0]", ada.Profile.Traits["plan"].MessageId);
        Assert.Equal("""["vip"]""", ada.Profile.Traits["tags"].Value!.ToJsonString());
        Assert.Equal(versionAfter, ada.VersionTag);
        Assert.False(merged.Ran);
        Assert.False((await _stores.GetAsync("p_device", CancellationToken.None))!.Profile.Traits.ContainsKey("plan"));
    }
}
