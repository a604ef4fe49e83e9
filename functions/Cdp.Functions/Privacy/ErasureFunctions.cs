using Cdp.Core.Privacy;
using Cdp.Http;
using Cdp.Journeys;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Cdp.Functions.Privacy;

/// <summary>The erasure orchestration (see <see cref="ErasureOrchestrator"/>).</summary>
public static class ErasureOrchestratorFunction
{
    [Function(ErasureOrchestrator.Name)]
    public static Task<ErasureView> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ErasureOrchestrator.RunAsync(context, context.GetInput<string>() ?? throw new InvalidOperationException($"Instance '{context.InstanceId}' has no erasure id."));
    }
}

/// <summary>The erasure's activities: one step (with the Durable client, to end and purge the person's journeys), and the completion.</summary>
public sealed class ErasureActivityFunctions(ErasureService erasures)
{
    [Function(ErasureOrchestrator.StepActivity)]
    public Task<int> StepAsync([ActivityTrigger] ErasureStep step, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        return erasures.RunStepAsync(step.ErasureId, step.Step, new DurableJourneyRuntime(client), cancellationToken);
    }

    [Function(ErasureOrchestrator.CompleteActivity)]
    public async Task<ErasureView> CompleteAsync([ActivityTrigger] string erasureId, CancellationToken cancellationToken) =>
        (await erasures.CompleteAsync(erasureId, cancellationToken)).ToView();
}

/// <summary><c>DELETE /api/profiles/{id}</c>, <c>POST /api/privacy/erasures</c>, <c>GET /api/privacy/erasures/{id}</c>.</summary>
public sealed class ErasureFunctions(PrivacyHandler handler)
{
    [Function("EraseProfileFunction")]
    public Task<IResult> EraseProfileAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = CdpRoutes.Profile)] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        handler.EraseProfileAsync(request, id, new DurableErasureRunner(client), cancellationToken);

    [Function("RequestErasureFunction")]
    public Task<IResult> RequestErasureAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.PrivacyErasures)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        handler.RequestErasureAsync(request, new DurableErasureRunner(client), cancellationToken);

    [Function("GetErasureFunction")]
    public Task<IResult> GetErasureAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.PrivacyErasure)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        handler.GetErasureAsync(id, cancellationToken);
}
