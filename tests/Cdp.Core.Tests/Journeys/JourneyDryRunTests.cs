using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Consents;
using Cdp.Core.Events;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Journeys;

/// <summary>
/// The dry run walks a journey for a person as the interpreter would, from the profile now, and changes nothing; the
/// palette names every step type and action the interpreter runs, with fields that are the definition's own.
/// </summary>
public sealed class JourneyDryRunTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private readonly InMemoryStores _stores = new();
    private readonly InMemoryJourneys _journeys = new();
    private readonly InMemorySegments _segments = new();
    private readonly JourneyDryRun _dryRun;

    public JourneyDryRunTests()
    {
        var time = new FakeTimeProvider(T0);
        var service = new JourneyService(_journeys, _journeys, _segments, new JourneyCatalog(_journeys, time), Options.Create(new ConsentOptions()), time);
        _dryRun = new JourneyDryRun(service, new JourneyActivities(_stores, _journeys, TestDomain.Policy(), time), _stores, time);
    }

    private async Task<Profile> AdaAsync(bool grantedEmail)
    {
        var ada = new Profile("p_ada", T0.AddDays(-1));
        ada.SetTrait("plan", new Trait(JsonValue.Create("pro"), T0.AddDays(-1), "m1", "web"), TestDomain.Policy());
        ada.SetTrait("firstName", new Trait(JsonValue.Create("Ada"), T0.AddDays(-1), "m1", "web"), TestDomain.Policy());
        ada.SetConsent("marketing_email", new ProfileConsent(grantedEmail, T0.AddDays(-1), "m1"));
        await _stores.TryCreateAsync(ada, CancellationToken.None);
        return ada;
    }

    private static JourneyDefinition Journey(string json) => JsonSerializer.Deserialize<JourneyDefinition>(json, CdpJson.Options)!;

    private const string Welcome = """
        {"name":"Welcome","trigger":{"event":"Signed Up"},"purpose":"marketing_email","steps":[
          {"type":"wait","duration":"PT1H"},
          {"type":"if","rule":"text(\"plan\") == \"pro\"",
            "then":[{"type":"action","action":"webhook","url":"https://hooks.example/pro","body":{"hello":"{{traits.firstName}}"}}],
            "else":[{"type":"exit","reason":"notPro"}]},
          {"type":"waitFor","event":"Replied","timeout":"P1D","onEvent":[{"type":"exit"}],"onTimeout":[{"type":"action","action":"addTag","tag":"silent"}]},
          {"type":"action","action":"setTrait","trait":"welcomed","value":true}
        ]}
        """;

    [Fact]
    public async Task AnUnsavedJourney_IsWalkedFromTheProfileNow_WithWaitsOnASimulatedClock_AndNothingChanges()
    {
        var ada = await AdaAsync(grantedEmail: true);
        var before = JsonSerializer.Serialize((await _stores.GetAsync("p_ada", CancellationToken.None))!.Profile.ToDocument(), CdpJson.Options);

        var outcome = await _dryRun.RunAsync(new JourneyDryRunRequest("p_ada", Journey: Journey(Welcome)), CancellationToken.None);

        var result = outcome.Result!;
        Assert.True(result.WouldEnroll);
        Assert.Equal("completed", result.Ending);
        Assert.Equal(
            ["steps[0] wait waits", "steps[1] if then", "steps[1].then[0] action:webhook webhook", "steps[2] waitFor timeout", "steps[2].onTimeout[0] action:addTag addTag", "steps[3] action:setTrait setTrait"],
            result.Path.Select(s => $"{s.Step} {s.Type} {s.Outcome}"));
        Assert.Equal("until 2026-12-04T10:00:00.0000000+00:00", result.Path[0].Detail);
        Assert.Equal("""POST https://hooks.example/pro {"hello":"Ada"}""", result.Path[2].Detail);
        Assert.Contains("until 2026-12-05T10:00:00", result.Path[3].Detail, StringComparison.Ordinal);
        // Nothing was written: the profile is as it was, no instance exists.
        Assert.Equal(before, JsonSerializer.Serialize((await _stores.GetAsync("p_ada", CancellationToken.None))!.Profile.ToDocument(), CdpJson.Options));
        Assert.Null(ada.Traits.GetValueOrDefault("welcomed"));
        Assert.Empty(await _journeys.ListAllForProfileAsync("p_ada", CancellationToken.None));
    }

    [Fact]
    public async Task ARuleThatFails_TakesTheElseBranch_AndAConsentAbsentAtContact_EndsTheRun()
    {
        await AdaAsync(grantedEmail: false);

        var outcome = await _dryRun.RunAsync(new JourneyDryRunRequest("p_ada", Journey: Journey(Welcome)), CancellationToken.None);

        // The purpose is not granted: the webhook is where the run would exit.
        Assert.Equal("exited: consentAbsent:marketing_email", outcome.Result!.Ending);
        Assert.Equal("consentAbsent", outcome.Result.Path[^1].Outcome);

        var notPro = Journey(Welcome.Replace("== \\\"pro\\\"", "== \\\"free\\\"", StringComparison.Ordinal));
        var other = (await _dryRun.RunAsync(new JourneyDryRunRequest("p_ada", Journey: notPro), CancellationToken.None)).Result!;
        Assert.Equal(["steps[0] waits", "steps[1] else", "steps[1].else[0] notPro"], other.Path.Select(s => $"{s.Step} {s.Outcome}"));
        Assert.Equal("exited: notPro", other.Ending);
    }

    [Fact]
    public async Task ASegmentTrigger_SaysWhetherThePersonIsInItNow()
    {
        var ada = await AdaAsync(grantedEmail: true);
        await _segments.TryPutAsync(new SegmentDefinition("pro", "Pro", null, "text(\"plan\") == \"pro\"", SegmentStatus.Active, 1, T0), null, CancellationToken.None);
        var journey = Journey("""{"name":"Pro","trigger":{"segmentEntered":"pro"},"steps":[{"type":"exit"}]}""");

        var outside = (await _dryRun.RunAsync(new JourneyDryRunRequest("p_ada", Journey: journey), CancellationToken.None)).Result!;
        var stored = (await _stores.GetAsync("p_ada", CancellationToken.None))!;
        stored.Profile.Enter("pro", T0);
        await _stores.TryReplaceAsync(stored.Profile, stored.VersionTag, CancellationToken.None);
        var inside = (await _dryRun.RunAsync(new JourneyDryRunRequest("p_ada", Journey: journey), CancellationToken.None)).Result!;

        Assert.False(outside.WouldEnroll);
        Assert.True(inside.WouldEnroll);
        Assert.NotNull(ada);
    }

    [Fact]
    public async Task BadRequests_NameTheirFields_AndMissingPeopleOrJourneysAreSaid()
    {
        await AdaAsync(grantedEmail: true);

        var neither = await _dryRun.RunAsync(new JourneyDryRunRequest(null), CancellationToken.None);
        var invalid = await _dryRun.RunAsync(new JourneyDryRunRequest("p_ada", Journey: Journey("""{"name":"X","trigger":{"event":"E"},"steps":[{"type":"wait"}]}""")), CancellationToken.None);
        var nobody = await _dryRun.RunAsync(new JourneyDryRunRequest("p_nobody", Journey: Journey(Welcome)), CancellationToken.None);
        var noJourney = await _dryRun.RunAsync(new JourneyDryRunRequest("p_ada", JourneyId: "missing"), CancellationToken.None);

        Assert.Equal(["journeyId", "profileId"], neither.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["journey.steps[0].duration"], invalid.Errors.Keys);
        Assert.Equal("There is no profile 'p_nobody'.", nobody.Missing);
        Assert.Equal("There is no journey 'missing'.", noJourney.Missing);
    }

    [Fact]
    public void ThePalette_NamesEveryStepTypeAndAction_WithFieldsOfTheDefinition()
    {
        var properties = typeof(JourneyStep).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToHashSet();
        string[] kinds = [JourneyPalette.Duration, JourneyPalette.TimeOfDay, JourneyPalette.Event, JourneyPalette.Rule, JourneyPalette.Purpose, JourneyPalette.Url, JourneyPalette.Json, JourneyPalette.WholeNumber, JourneyPalette.Text, JourneyPalette.Steps];

        var palette = JourneyPalette.With(JourneyActions.Described);

        Assert.Equal(JourneyStep.Types.Order(StringComparer.Ordinal), palette.Select(t => t.Type).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(JourneyStep.Actions, palette.Where(t => t.Type == JourneyStep.ActionStep).Select(t => t.Action!));
        Assert.All(palette.SelectMany(t => t.Fields), f => Assert.Contains(f.Name, properties));
        Assert.All(palette.SelectMany(t => t.Fields), f => Assert.Contains(f.Kind, kinds));
    }

    /// <summary>
    /// The palette agrees with the validator: a step with every field the palette lists (each a valid value of its kind)
    /// is valid, and without any field the palette marks required it is refused at that field.
    /// </summary>
    [Fact]
    public void ThePalettesRequiredFields_AreTheOnesTheValidatorRequires()
    {
        JsonNode Sample(string kind) => kind switch
        {
            JourneyPalette.Duration => "PT1M",
            JourneyPalette.TimeOfDay => "09:00",
            JourneyPalette.Event => "Replied",
            JourneyPalette.Rule => "text(\"plan\") == \"pro\"",
            JourneyPalette.Purpose => "marketing_email",
            JourneyPalette.Url => "https://hooks.example/",
            JourneyPalette.Json => new JsonObject { ["a"] = 1 },
            JourneyPalette.WholeNumber => 3,
            JourneyPalette.Steps => new JsonArray(),
            _ => "x",
        };
        IReadOnlyDictionary<string, string[]> Validate(JsonObject step) =>
            JourneyValidator.Validate(Journey(new JsonObject { ["id"] = "x", ["name"] = "X", ["trigger"] = new JsonObject { ["event"] = "E" }, ["steps"] = new JsonArray(step.DeepClone()) }.ToJsonString()), new HashSet<string>(), new ConsentOptions().Purposes);

        foreach (var type in JourneyPalette.With(JourneyActions.Described))
        {
            var full = new JsonObject { ["type"] = type.Type };
            if (type.Action is { } action)
            {
                full["action"] = action;
            }

            foreach (var field in type.Fields)
            {
                full[field.Name] = Sample(field.Kind);
            }

            Assert.True(Validate(full).Count == 0, $"{type.Label}: {string.Join("; ", Validate(full).Keys)}");
            foreach (var required in type.Fields.Where(f => f.Required))
            {
                var without = full.DeepClone().AsObject();
                without.Remove(required.Name);
                Assert.Contains($"steps[0].{required.Name}", Validate(without).Keys);
            }
        }
    }
}
