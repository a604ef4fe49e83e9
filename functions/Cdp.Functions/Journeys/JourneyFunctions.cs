using Cdp.Core.Journeys;
using Cdp.Http;
using Cdp.Journeys;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Cdp.Functions.Journeys;

/// <summary>The journey interpreter as an orchestrator function (see <see cref="JourneyOrchestrator"/>).</summary>
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

/// <summary>The journey activities: asking the profile, keeping the record, changing the profile, posting a webhook.</summary>
public sealed class JourneyActivityFunctions(JourneyActivities activities, WebhookSender webhooks)
{
    [Function(JourneyActivityNames.Ask)]
    public Task<JourneyAnswer> AskAsync([ActivityTrigger] JourneyQuestion question, CancellationToken cancellationToken) =>
        activities.AskAsync(question, cancellationToken);

    [Function(JourneyActivityNames.Record)]
    public async Task<bool> RecordAsync([ActivityTrigger] JourneyReport report, CancellationToken cancellationToken)
    {
        await activities.RecordAsync(report, cancellationToken);
        return true;
    }

    [Function(JourneyActivityNames.RunAction)]
    public Task<JourneyActionOutcome> RunActionAsync([ActivityTrigger] JourneyActionCall call, CancellationToken cancellationToken) =>
        activities.RunActionAsync(call, cancellationToken);

    [Function(JourneyActivityNames.ChangeProfile)]
    public Task<string> ChangeProfileAsync([ActivityTrigger] JourneyProfileChange change, CancellationToken cancellationToken) =>
        activities.ChangeProfileAsync(change, cancellationToken);

    [Function(JourneyActivityNames.Webhook)]
    public Task<WebhookResult> WebhookAsync([ActivityTrigger] JourneyWebhook call, CancellationToken cancellationToken) =>
        webhooks.SendAsync(call, cancellationToken);
}

/// <summary><c>GET /api/journeys</c>, <c>PUT/GET/DELETE /api/journeys/{id}</c>, instances, metrics, dry runs and the step palette.</summary>
public sealed class JourneyDefinitionFunctions(JourneyHandler handler)
{
    [Function("ListJourneysFunction")]
    public Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Journeys)] HttpRequest request, CancellationToken cancellationToken) =>
        handler.ListAsync(cancellationToken);

    [Function("GetJourneyFunction")]
    public Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Journey)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.GetAsync(id, cancellationToken);

    [Function("PutJourneyFunction")]
    public Task<IResult> PutAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = CdpRoutes.Journey)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.PutAsync(request, id, cancellationToken);

    [Function("DeleteJourneyFunction")]
    public Task<IResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = CdpRoutes.Journey)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.DeleteAsync(id, cancellationToken);

    [Function("ListJourneyInstancesFunction")]
    public Task<IResult> InstancesAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.JourneyInstances)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.InstancesAsync(request, id, cancellationToken);

    [Function("GetJourneyMetricsFunction")]
    public Task<IResult> MetricsAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.JourneyMetrics)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.MetricsAsync(id, cancellationToken);

    [Function("DryRunJourneyFunction")]
    public Task<IResult> DryRunAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.JourneyDryRun)] HttpRequest request, CancellationToken cancellationToken) =>
        handler.DryRunAsync(request, cancellationToken);

    [Function("ListJourneyStepTypesFunction")]
    public IResult StepTypes([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.JourneyStepTypes)] HttpRequest request) =>
        handler.StepTypes();

    [Function("ListProfileJourneysFunction")]
    public Task<IResult> ForProfileAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.ProfileJourneys)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.ForProfileAsync(id, cancellationToken);
}

/// <summary>One journey instance: read it, terminate it, raise an event to it (with the Durable client of the invocation).</summary>
public sealed class JourneyInstanceFunctions(JourneyHandler handler)
{
    [Function("GetJourneyInstanceFunction")]
    public Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.JourneyInstance)] HttpRequest request,
        string instanceId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        handler.InstanceAsync(instanceId, new DurableJourneyRuntime(client), cancellationToken);

    [Function("TerminateJourneyInstanceFunction")]
    public Task<IResult> TerminateAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.JourneyInstanceTerminate)] HttpRequest request,
        string instanceId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        handler.TerminateAsync(request, instanceId, new DurableJourneyRuntime(client), cancellationToken);

    [Function("SendJourneyInstanceEventFunction")]
    public Task<IResult> SendEventAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.JourneyInstanceEvent)] HttpRequest request,
        string instanceId,
        string name,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        handler.SendEventAsync(instanceId, name, new DurableJourneyRuntime(client), cancellationToken);
}
