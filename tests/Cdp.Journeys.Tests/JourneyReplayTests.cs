using System.Text.Json;
using System.Text.RegularExpressions;
using Cdp.Core.Events;
using Cdp.Core.Journeys;
using Cdp.Testing;
using Microsoft.DurableTask;
using Moq;

namespace Cdp.Journeys.Tests;

/// <summary>
/// The interpreter against a mocked <see cref="TaskOrchestrationContext"/>: day-scale timer arithmetic with exact
/// fire times (no real timer can be waited for), and replay safety (the same history gives the same commands; the
/// orchestrator's source uses no clock, GUID, randomness, thread or I/O API).
/// </summary>
public partial class JourneyReplayTests
{
    private static readonly DateTime Now = new(2026, 11, 28, 10, 30, 0, DateTimeKind.Utc);

    /// <summary>Answers the activities as the given functions say, records every command the orchestrator issues.</summary>
    private static (Mock<TaskOrchestrationContext> Context, List<string> Commands) Context(DateTime now, Func<JourneyQuestion, JourneyAnswer> answer)
    {
        var commands = new List<string>();
        var context = new Mock<TaskOrchestrationContext> { CallBase = true };
        context.SetupGet(c => c.CurrentUtcDateTime).Returns(now);
        context.SetupGet(c => c.InstanceId).Returns("j:v1:p1:1");
        context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Callback<DateTime, CancellationToken>((at, _) => commands.Add("timer " + at.ToString("O")))
            .Returns(Task.CompletedTask);
        context.Setup(c => c.WaitForExternalEvent<JourneySignal>(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(new TaskCompletionSource<JourneySignal>().Task); // nothing is ever raised
        // The reports (no result): set up first, so that the typed setups below take precedence for their types.
        context.Setup(c => c.CallActivityAsync<object>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Callback<TaskName, object?, TaskOptions?>((name, input, _) => commands.Add($"{name.Name} {JsonSerializer.Serialize(input, CdpJson.Options)}"))
            .Returns(Task.FromResult<object>(true));
        context.Setup(c => c.CallActivityAsync<JourneyAnswer>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Callback<TaskName, object?, TaskOptions?>((name, input, _) => commands.Add($"{name.Name} {JsonSerializer.Serialize(input, CdpJson.Options)}"))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) => Task.FromResult(answer((JourneyQuestion)input!)));
        context.Setup(c => c.CallActivityAsync<string>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Callback<TaskName, object?, TaskOptions?>((name, input, _) => commands.Add($"{name.Name} {JsonSerializer.Serialize(input, CdpJson.Options)}"))
            .ReturnsAsync("changed");
        return (context, commands);
    }

    private static JourneyRun Run(string? timeZone, params JourneyStep[] steps) =>
        new(new JourneyDefinition("j", "J", new JourneyTrigger(Event: "Signed Up"), steps, TimeZone: timeZone), "p1", 1);

    [Fact]
    public async Task WaitThreeDaysThenUntilNineLocal_FiresAtNineInTheProfilesZone()
    {
        var (context, _) = Context(Now, q => q.Kind == JourneyQuestion.TimeZone ? new JourneyAnswer(true, "Europe/Berlin") : new JourneyAnswer(true));

        var outcome = await JourneyOrchestrator.RunAsync(context.Object, Run(null, new JourneyStep(JourneyStep.Wait, Duration: "P3D", Until: "09:00")));

        // Saturday 10:30 UTC + 3 days = Tuesday 11:30 in Berlin (UTC+1), past 09:00: Wednesday 09:00 Berlin = 08:00 UTC.
        context.Verify(c => c.CreateTimer(new DateTime(2026, 12, 2, 8, 0, 0, DateTimeKind.Utc), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(new JourneyOutcome(JourneyInstanceStatus.Completed), outcome);
    }

    [Fact]
    public async Task UntilNine_WithoutAProfileZone_UsesTheJourneysZone_AcrossTheSpringForwardJump()
    {
        // Saturday 13 March 2027, 20:00 UTC = 15:00 in New York (EST); clocks go forward that night.
        var now = new DateTime(2027, 3, 13, 20, 0, 0, DateTimeKind.Utc);
        var (context, commands) = Context(now, _ => new JourneyAnswer(false));

        await JourneyOrchestrator.RunAsync(context.Object, Run("America/New_York", new JourneyStep(JourneyStep.Wait, Until: "09:00"), new JourneyStep(JourneyStep.Wait, Duration: "PT36H")));

        // Sunday 09:00 EDT (UTC-4) = 13:00 UTC; the durations add to the orchestration clock (mocked: fixed).
        Assert.Equal(["timer 2027-03-14T13:00:00.0000000Z", "timer 2027-03-15T08:00:00.0000000Z"], commands.Where(c => c.StartsWith("timer", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Replay_SameHistory_SameCommands()
    {
        JourneyAnswer Answer(JourneyQuestion q) => new(q.Kind != JourneyQuestion.Consent, q.Kind == JourneyQuestion.TimeZone ? "Asia/Tokyo" : null);
        var run = Run(
            null,
            new JourneyStep(JourneyStep.Wait, Duration: "P1D", Until: "18:30"),
            new JourneyStep(JourneyStep.If, Rule: "number(\"score\") > 10", Then: [new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.AddTag, Tag: "hot")], Else: [new JourneyStep(JourneyStep.Exit)]),
            new JourneyStep(JourneyStep.CheckConsent, Purpose: "marketing_email", Else: [new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.SetTrait, Trait: "asked", Value: true)]));

        var (first, firstCommands) = Context(Now, Answer);
        await JourneyOrchestrator.RunAsync(first.Object, run);
        var (replay, replayCommands) = Context(Now, Answer);
        await JourneyOrchestrator.RunAsync(replay.Object, run);

        Assert.Equal(firstCommands, replayCommands);
        Assert.Contains(firstCommands, c => c.StartsWith(JourneyActivityNames.ChangeProfile, StringComparison.Ordinal) && c.Contains("\"tag\":\"hot\"", StringComparison.Ordinal));
        Assert.Contains(firstCommands, c => c.StartsWith(JourneyActivityNames.ChangeProfile, StringComparison.Ordinal) && c.Contains("\"trait\":\"asked\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resume_InsideABranch_SkipsWhatWasDone_KeepsTheWaitsDeadline_AndNumbersReportsOn()
    {
        var until = new DateTimeOffset(2026, 11, 29, 7, 15, 0, TimeSpan.Zero);
        var run = Run(
            null,
            new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.AddTag, Tag: "first"),
            new JourneyStep(JourneyStep.If, Rule: "flag(\"vip\")", Then: [new JourneyStep(JourneyStep.Wait, Duration: "PT1H"), new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.AddTag, Tag: "second")]),
            new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.AddTag, Tag: "third"))
            with { Resume = new JourneyResume("steps[1].then[0]", 7, until) };
        var (context, commands) = Context(Now, _ => throw new InvalidOperationException("nothing is asked again"));

        var outcome = await JourneyOrchestrator.RunAsync(context.Object, run);

        Assert.Equal(new JourneyOutcome(JourneyInstanceStatus.Completed), outcome);
        Assert.Equal(["timer 2026-11-29T07:15:00.0000000Z"], commands.Where(c => c.StartsWith("timer", StringComparison.Ordinal)));
        Assert.Equal(["second", "third"], commands.Where(c => c.StartsWith(JourneyActivityNames.ChangeProfile, StringComparison.Ordinal)).Select(c => JsonDocument.Parse(c[(c.IndexOf(' ', StringComparison.Ordinal) + 1)..]).RootElement.GetProperty("tag").GetString()));
        var reports = commands.Where(c => c.StartsWith(JourneyActivityNames.Record, StringComparison.Ordinal)).Select(c => JsonDocument.Parse(c[(c.IndexOf(' ', StringComparison.Ordinal) + 1)..]).RootElement).ToList();
        Assert.Equal((8, "start", "resumed at steps[1].then[0]"), (reports[0].GetProperty("sequence").GetInt32(), reports[0].GetProperty("step").GetString(), reports[0].GetProperty("outcome").GetString()));
        Assert.Equal([8, 9, 10, 11, 12], reports.Select(r => r.GetProperty("sequence").GetInt32()));
    }

    [Theory]
    [InlineData("functions/Cdp.Journeys/JourneyOrchestrator.cs")]
    [InlineData("functions/Cdp.Journeys/ErasureOrchestrator.cs")]
    public void OrchestratorSource_UsesNoNonDeterministicApi(string path)
    {
        var source = RepositoryFiles.Read(path);
        var code = string.Join('\n', source.Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)));

        Assert.Empty(Forbidden().Matches(code).Select(m => m.Value));
    }

    [GeneratedRegex(@"DateTime(Offset)?\.(Now|UtcNow|Today)|Guid\.NewGuid|new Random|Random\.Shared|Task\.(Delay|Run|Factory)|Thread\.|Environment\.|Stopwatch|HttpClient|File\.|CancelAsync\(|\.Wait\(|\.Result\b(?!\.Reason)|ConfigureAwait|TimeProvider")]
    private static partial Regex Forbidden();
}
