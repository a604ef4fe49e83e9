using System.Collections.Concurrent;
using System.Net;
using Cdp.Core.Journeys;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Moq;

namespace Cdp.Journeys.Tests;

public class JourneyOrchestratorTests
{
    private static readonly DateTime Now = new(2026, 11, 28, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task RunAsync_DayLongWait_SetsTimerAtExactInstantFromContextClock()
    {
        var context = new Mock<TaskOrchestrationContext>();
        context.SetupGet(c => c.CurrentUtcDateTime).Returns(Now);
        context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        var run = new JourneyRun(new JourneyDefinition("j", 1, [new JourneyStep(JourneyStep.Wait, "P3DT2H")]), "p1");

        var outcome = await JourneyOrchestrator.RunAsync(context.Object, run);

        context.Verify(c => c.CreateTimer(Now.AddDays(3).AddHours(2), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(1, outcome.StepsCompleted);
    }

    [Fact]
    public async Task RunAsync_Webhook_CallsActivityWithRetryAndReportsProgress()
    {
        var context = new Mock<TaskOrchestrationContext>();
        context.SetupGet(c => c.InstanceId).Returns("i1");
        context.Setup(c => c.CallActivityAsync<WebhookResult>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .ReturnsAsync(new WebhookResult(200));
        var url = new Uri("https://example.test/hook");
        var run = new JourneyRun(new JourneyDefinition("j", 2, [new JourneyStep(JourneyStep.Webhook, Url: url)]), "p1");

        await JourneyOrchestrator.RunAsync(context.Object, run);

        context.Verify(c => c.CallActivityAsync<WebhookResult>(
            It.Is<TaskName>(n => n.Name == SendWebhookActivity.Name),
            new WebhookCall(url, "j", 2, "p1", "i1", 0),
            JourneyOrchestrator.WebhookRetry));
        context.Verify(c => c.SetCustomStatus(new JourneyProgress(0, JourneyStep.Webhook)));
    }

    [Fact]
    public async Task RunAsync_UnrunnableStep_Fails()
    {
        var context = new Mock<TaskOrchestrationContext>();
        var run = new JourneyRun(new JourneyDefinition("j", 1, [new JourneyStep("teleport")]), "p1");

        await Assert.ThrowsAsync<InvalidOperationException>(() => JourneyOrchestrator.RunAsync(context.Object, run));
    }

    [Fact]
    public async Task InProcessHost_WaitThenWebhook_CompletesAndRuntimeReportsIt()
    {
        var handler = new RecordingHandler();
        using var http = new HttpClient(handler);
        var activity = new SendWebhookActivity(http);
        await using var host = await DurableTaskTestHost.StartAsync(registry =>
        {
            registry.AddOrchestratorFunc<JourneyRun, JourneyOutcome>(JourneyOrchestrator.Name, JourneyOrchestrator.RunAsync);
            registry.AddActivityFunc<WebhookCall, WebhookResult>(SendWebhookActivity.Name, (_, call) => activity.RunAsync(call, CancellationToken.None));
        });
        var runtime = new DurableJourneyRuntime(host.Client);
        var run = new JourneyRun(
            new JourneyDefinition("welcome", 1, [new JourneyStep(JourneyStep.Wait, "PT1S"), new JourneyStep(JourneyStep.Webhook, Url: new Uri("http://receiver.test/hook"))]),
            "p1");

        Assert.True(await runtime.StartAsync("i-1", run, CancellationToken.None));
        Assert.False(await runtime.StartAsync("i-1", run, CancellationToken.None));
        await host.Client.WaitForInstanceCompletionAsync("i-1", CancellationToken.None);
        var status = await runtime.GetStatusAsync("i-1", CancellationToken.None);

        Assert.Equal("Completed", status!.RuntimeStatus);
        Assert.Equal(new JourneyOutcome(2), status.Outcome);
        Assert.Equal(new JourneyProgress(1, JourneyStep.Webhook), status.Progress);
        Assert.Equal("i-1/1", Assert.Single(handler.IdempotencyKeys));
        Assert.Null(await runtime.GetStatusAsync("missing", CancellationToken.None));
    }

    [Fact]
    public async Task SendWebhookActivity_ErrorStatus_Throws()
    {
        using var http = new HttpClient(new RecordingHandler(HttpStatusCode.ServiceUnavailable));
        var activity = new SendWebhookActivity(http);

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            activity.RunAsync(new WebhookCall(new Uri("http://receiver.test/"), "j", 1, "p", "i", 0), CancellationToken.None));
    }

    /// <summary>Stands in for a webhook receiver's network reply; the orchestration around it is real.</summary>
    private sealed class RecordingHandler(HttpStatusCode status = HttpStatusCode.OK) : HttpMessageHandler
    {
        public ConcurrentQueue<string> IdempotencyKeys { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            IdempotencyKeys.Enqueue(string.Join(",", request.Headers.GetValues("Idempotency-Key")));
            return Task.FromResult(new HttpResponseMessage(status));
        }
    }
}
