using Cdp.Core.Journeys;

namespace Cdp.Core.Tests.Journeys;

public class JourneyValidatorTests
{
    private static readonly HashSet<string> Segments = ["vip", "churned"];
    private static readonly string[] Purposes = ["marketing_email", "analytics"];

    private static JourneyDefinition Journey(params JourneyStep[] steps) => new("welcome", "Welcome", new JourneyTrigger(SegmentEntered: "vip"), steps);

    private static IReadOnlyDictionary<string, string[]> Validate(JourneyDefinition journey) => JourneyValidator.Validate(journey, Segments, Purposes);

    [Fact]
    public void Validate_EveryStepTypeWellFormed_IsValid()
    {
        var journey = Journey(
            new JourneyStep(JourneyStep.Wait, Duration: "P3D", Until: "09:00"),
            new JourneyStep(JourneyStep.WaitFor, Event: "Order Completed", Timeout: "P2D", OnEvent: [new JourneyStep(JourneyStep.Exit, Reason: "bought")], OnTimeout: []),
            new JourneyStep(JourneyStep.If, Rule: "inSegment(\"churned\")", Then: [new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.AddTag, Tag: "winback")]),
            new JourneyStep(JourneyStep.CheckConsent, Purpose: "marketing_email"),
            new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.Webhook, Url: new Uri("https://example.test/hook"), Timeout: "PT5S", Retries: 3, RetryInterval: "PT10S")) with
        {
            Exit = new JourneyExit(SegmentExited: "vip", Events: ["Unsubscribed"]),
            Purpose = "marketing_email",
            TimeZone = "Europe/Berlin",
        };

        Assert.Empty(Validate(journey));
    }

    [Fact]
    public void Validate_BadFields_NamedByTheirPath()
    {
        var journey = Journey(
            new JourneyStep(JourneyStep.Wait, Duration: "soon"),
            new JourneyStep(JourneyStep.If, Rule: "flag(\"vip\") &&", Then: [new JourneyStep(JourneyStep.Wait, Until: "9am")], Else: [new JourneyStep("teleport")]),
            new JourneyStep(JourneyStep.CheckConsent, Purpose: "carrier_pigeon"),
            new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.Webhook, Url: new Uri("ftp://example.test/"), Retries: 99),
            new JourneyStep(JourneyStep.WaitFor, Event: "Clicked"),
            new JourneyStep(JourneyStep.ActionStep, Action: "fax")) with
        {
            Trigger = new JourneyTrigger(SegmentEntered: "nobody"),
            ReEntry = "sometimes",
            TimeZone = "Mars/Olympus",
        };

        Assert.Equal(
            [
                "reEntry", "steps[0].duration", "steps[1].else[0].type", "steps[1].rule", "steps[1].then[0].until", "steps[2].purpose",
                "steps[3].retries", "steps[3].url", "steps[4].timeout", "steps[5].action", "timeZone", "trigger.segmentEntered",
            ],
            Validate(journey).Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Actions are known only through the registry: a field that is not a setting of the step's action (a typo, or a
    /// field of another step type) is refused at that field, built-in action or plugin alike, instead of kept unread.
    /// </summary>
    [Fact]
    public void Validate_AnActionStepsFieldsItsActionDoesNotHave_AreRefusedByName()
    {
        var journey = Journey(
            new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.SetTrait, Trait: "plan", Value: "pro", Tag: "vip"),
            new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.Webhook, Url: new Uri("https://example.test/hook"), Reason: "why") { Extra = new() { ["bodyy"] = System.Text.Json.JsonDocument.Parse("{}").RootElement } },
            new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.AddTag, Tag: "vip", Retries: 2, RetryInterval: "PT1M"));

        var errors = Validate(journey);

        Assert.Equal(["steps[0].tag", "steps[1].bodyy", "steps[1].reason"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("'setTrait' has no setting 'tag'", errors["steps[0].tag"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_StepsAfterAnExit_AreUnreachable()
    {
        var errors = Validate(Journey(new JourneyStep(JourneyStep.If, Rule: "true", Then: [new JourneyStep(JourneyStep.Exit), new JourneyStep(JourneyStep.Wait, Duration: "PT1M")])));

        Assert.Equal(["steps[0].then[1]"], errors.Keys);
        Assert.Contains("never run", errors["steps[0].then[1]"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TriggerIsOneOfSegmentOrEvent_AndIdsMayNotCollideWithRoutes()
    {
        Assert.Contains("trigger", Validate(Journey(new JourneyStep(JourneyStep.Exit)) with { Trigger = new JourneyTrigger() }).Keys);
        Assert.Contains("trigger", Validate(Journey(new JourneyStep(JourneyStep.Exit)) with { Trigger = new JourneyTrigger("vip", "Signed Up") }).Keys);
        Assert.Contains("id", Validate(Journey(new JourneyStep(JourneyStep.Exit)) with { Id = "instances" }).Keys);
        Assert.Contains("steps", Validate(Journey()).Keys);
        Assert.Equal(["body"], JourneyValidator.Validate(null, Segments, Purposes).Keys);
    }

    [Theory]
    [InlineData("PT30S", 30)]
    [InlineData("P1DT1H", 90000)]
    public void TryParseDuration_Iso8601_Parses(string text, int seconds)
    {
        Assert.True(JourneyValidator.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("PT0S")]
    [InlineData("P400D")]
    [InlineData("30s")]
    public void TryParseDuration_ZeroTooLongOrNotIso_Fails(string text)
    {
        Assert.False(JourneyValidator.TryParseDuration(text, out _));
    }

    [Fact]
    public void FireAt_TimeOfDaySkippedByDaylightSaving_FirstInstantAfterTheJump()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        // Saturday 13 March 2027 12:00 UTC; 02:30 does not exist on Sunday 14 March in New York.
        var fire = JourneyClock.FireAt(new DateTime(2027, 3, 13, 12, 0, 0, DateTimeKind.Utc), TimeSpan.FromHours(12), new TimeOnly(2, 30), zone);

        Assert.Equal(new DateTime(2027, 3, 14, 7, 0, 0, DateTimeKind.Utc), fire); // 03:00 EDT
    }

    [Fact]
    public void FireAt_TimeOfDayTwice_TheFirstOccurrence()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        // 01:30 happens twice on Sunday 7 November 2027 (EDT, then EST): the first is 05:30 UTC.
        var fire = JourneyClock.FireAt(new DateTime(2027, 11, 7, 0, 0, 0, DateTimeKind.Utc), null, new TimeOnly(1, 30), zone);

        Assert.Equal(new DateTime(2027, 11, 7, 5, 30, 0, DateTimeKind.Utc), fire);
    }

    [Fact]
    public void JourneyInstance_IdsCarryTheJourney_AndReportsApplyOnce()
    {
        var id = JourneyInstance.IdFor("welcome", 2, "p:1", 3);
        Assert.Equal("welcome:v2:p:1:3", id);
        Assert.Equal("welcome", JourneyInstance.JourneyIdOf(id));

        var instance = new JourneyInstance(id, "welcome", 2, "p:1", 3, "t", JourneyInstanceStatus.Pending, DateTimeOffset.UnixEpoch);
        var report = new JourneyReport(id, 1, "start", "start", DateTimeOffset.UnixEpoch);
        var running = instance.Apply(report)!;
        Assert.Equal(JourneyInstanceStatus.Running, running.Status);
        Assert.Null(running.Apply(report));
        var ended = running.Apply(new JourneyReport(id, 2, "end", "end", DateTimeOffset.UnixEpoch, Status: JourneyInstanceStatus.Exited, Reason: "segmentExited"))!;
        Assert.Equal((JourneyInstanceStatus.Exited, "segmentExited", (string?)null), (ended.Status, ended.Reason, ended.Step));
        Assert.Null(ended.ResumePoint());
        var waiting = running.Apply(new JourneyReport(id, 2, "steps[0]", "wait", DateTimeOffset.UnixEpoch, "until 2026-11-29T07:15:00.0000000Z"))!;
        Assert.Equal(new JourneyResume("steps[0]", 2, new DateTimeOffset(2026, 11, 29, 7, 15, 0, TimeSpan.Zero)), waiting.ResumePoint());
        Assert.Equal(new JourneyResume("steps[1]", 3, null), waiting.Apply(new JourneyReport(id, 3, "steps[1]", "if", DateTimeOffset.UnixEpoch, "then"))!.ResumePoint());
        Assert.Null((ended with { Status = JourneyInstanceStatus.Terminated }).Apply(new JourneyReport(id, 3, "end", "end", DateTimeOffset.UnixEpoch, Status: JourneyInstanceStatus.Completed)));
    }
}
