using Cdp.Core.Journeys;
using Cdp.Http;
using Cdp.Journeys;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Cdp.Functions.Journeys;

/// <summary>The journey runner as an orchestrator function (see <see cref="JourneyOrchestrator"/>).</summary>
public static class JourneyOrchestratorFunction
{
    [Function(JourneyOrchestrator.Name)]
    public static Task<JourneyOutcome> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var run = context.GetInput<JourneyRun>() ?? throw new InvalidOperationException($"Instance '{context.InstanceId}' has no journey input.");
        return JourneyOrchestrator.RunAsync(context, run);
    }
}

/// <summary>The webhook step's activity (see <see cref="SendWebhookActivity"/>).</summary>
public sealed class SendWebhookActivityFunction(SendWebhookActivity activity)
{
    [Function(SendWebhookActivity.Name)]
    public Task<WebhookResult> RunAsync([ActivityTrigger] WebhookCall call, CancellationToken cancellationToken) =>
        activity.RunAsync(call, cancellationToken);
}

/// <summary><c>POST /api/journeys/runs</c>: enroll a profile in a journey.</summary>
public static class StartJourneyRunFunction
{
    [Function(nameof(StartJourneyRunFunction))]
    public static Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = CdpRoutes.JourneyRuns)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        JourneyHandler.StartAsync(request, new DurableJourneyRuntime(client), cancellationToken);
}

/// <summary><c>GET /api/journeys/runs/{instanceId}</c>: a journey instance's status.</summary>
public static class GetJourneyRunFunction
{
    [Function(nameof(GetJourneyRunFunction))]
    public static Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = CdpRoutes.JourneyRun)] HttpRequest request,
        string instanceId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        JourneyHandler.GetStatusAsync(instanceId, new DurableJourneyRuntime(client), cancellationToken);
}
