using Cdp.Core.Journeys;

namespace Cdp.Core.Tests.Journeys;

public class JourneyValidatorTests
{
    private static JourneyRun Run(params JourneyStep[] steps) => new(new JourneyDefinition("welcome", 1, steps), "p1");

    [Fact]
    public void Validate_WaitThenWebhook_IsValid()
    {
        Assert.Empty(JourneyValidator.Validate(Run(new JourneyStep("wait", "P3D"), new JourneyStep("webhook", Url: new Uri("https://example.test/hook")))));
    }

    [Fact]
    public void Validate_BadSteps_NamesEachStepField()
    {
        var errors = JourneyValidator.Validate(Run(
            new JourneyStep("wait", "soon"),
            new JourneyStep("webhook", Url: new Uri("ftp://example.test/")),
            new JourneyStep("teleport")));

        Assert.Equal(
            new[] { "journey.steps[0].duration", "journey.steps[1].url", "journey.steps[2].type" },
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_NoStepsAndNoProfile_NamesBoth()
    {
        var errors = JourneyValidator.Validate(new JourneyRun(new JourneyDefinition("j", 1, []), ""));

        Assert.Contains("journey.steps", errors.Keys);
        Assert.Contains("profileId", errors.Keys);
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
    public void InstanceIdFor_SameEnrollment_IsSameId()
    {
        var run = Run(new JourneyStep("wait", "PT1S"));

        Assert.Equal("journey:welcome:v1:p1", JourneyService.InstanceIdFor(run));
        Assert.Equal(JourneyService.InstanceIdFor(run), JourneyService.InstanceIdFor(run with { }));
    }
}
