using Cdp.Core.Journeys;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Moq;

namespace Cdp.Journeys.Tests;

/// <summary>The rare race of two enrollments with one id, driven with a mocked client.</summary>
public class DurableJourneyRuntimeTests
{
    private static readonly JourneyRun Run = new(new JourneyDefinition("j", "J", new JourneyTrigger(Event: "x"), [new JourneyStep(JourneyStep.Wait, "PT1S")]), "p1", 1);

    [Fact]
    public async Task StartAsync_LosesRaceToSameId_ReturnsFalse()
    {
        var client = new Mock<DurableTaskClient>("test");
        client.SetupSequence(c => c.GetInstanceAsync("i1", false, It.IsAny<CancellationToken>()))
            .ReturnsAsync((OrchestrationMetadata?)null)
            .ReturnsAsync(new OrchestrationMetadata(JourneyOrchestrator.Name, "i1"));
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("An instance with ID 'i1' already exists."));

        Assert.False(await new DurableJourneyRuntime(client.Object).StartAsync("i1", Run, CancellationToken.None));
    }

    [Fact]
    public async Task StartAsync_ScheduleFailsAndNoInstance_Throws()
    {
        var client = new Mock<DurableTaskClient>("test");
        client.Setup(c => c.GetInstanceAsync("i1", false, It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TimeoutException("backend unavailable"));

        await Assert.ThrowsAsync<TimeoutException>(() => new DurableJourneyRuntime(client.Object).StartAsync("i1", Run, CancellationToken.None));
    }
}
