using Cdp.Journeys;
using Cdp.Core.Segments;
using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Cdp.Functions.Segments;

/// <summary><c>GET /api/segments</c>: every segment with its size.</summary>
public sealed class ListSegmentsFunction(SegmentHandler handler)
{
    [Function(nameof(ListSegmentsFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Segments)] HttpRequest request, CancellationToken cancellationToken) =>
        handler.ListAsync(cancellationToken);
}

/// <summary><c>GET /api/segments/{id}</c>: one segment with its size and back-fill.</summary>
public sealed class GetSegmentFunction(SegmentHandler handler)
{
    [Function(nameof(GetSegmentFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Segment)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.GetAsync(id, cancellationToken);
}

/// <summary><c>PUT /api/segments/{id}</c>: create or change a segment (a new version is back-filled by <see cref="SegmentBackfillOrchestrator"/>).</summary>
public sealed class PutSegmentFunction(SegmentHandler handler)
{
    [Function(nameof(PutSegmentFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = CdpRoutes.Segment)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.PutAsync(request, id, cancellationToken);
}

/// <summary><c>DELETE /api/segments/{id}</c>.</summary>
public sealed class DeleteSegmentFunction(SegmentHandler handler)
{
    [Function(nameof(DeleteSegmentFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = CdpRoutes.Segment)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.DeleteAsync(id, cancellationToken);
}

/// <summary><c>POST /api/segments/preview</c>: a rule checked and tried on a sample, nothing saved.</summary>
public sealed class PreviewSegmentFunction(SegmentHandler handler)
{
    [Function(nameof(PreviewSegmentFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.SegmentPreview)] HttpRequest request, CancellationToken cancellationToken) =>
        handler.PreviewAsync(request, cancellationToken);
}

/// <summary><c>GET /api/segments/{id}/transitions</c>: a segment's newest entries and exits.</summary>
public sealed class ListSegmentTransitionsFunction(SegmentHandler handler)
{
    [Function(nameof(ListSegmentTransitionsFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.SegmentTransitions)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.TransitionsAsync(request, id, cancellationToken);
}

/// <summary>
/// Every minute: evaluates the profiles whose time conditions are due (the minute-bucketed schedule), and
/// starts a back-fill orchestration for each segment version not back-filled yet (one instance per version,
/// so a start repeated by the next minute is a no-op; an instance that failed is started again).
/// </summary>
public sealed class RunSegmentJobsFunction(SegmentJobs jobs, ILogger<RunSegmentJobsFunction> logger)
{
    [Function(nameof(RunSegmentJobsFunction))]
    public async Task RunAsync([TimerTrigger("0 * * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient backfills, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backfills);
        while (await jobs.RunDueAsync(cancellationToken) == SegmentJobs.PageSize)
        {
            // A full page: more may be due.
        }

        foreach (var segment in await jobs.PendingBackfillsAsync(cancellationToken))
        {
            // One instance per version; one that failed (its retries spent while a store was down) starts again.
            var instanceId = SegmentBackfillOrchestrator.InstanceIdFor(segment.Id, segment.Version);
            if (await DurableStarts.StartOnceAsync(backfills, SegmentBackfillOrchestrator.Name, new SegmentBackfillRun(segment.Id, segment.Version), instanceId, cancellationToken))
            {
                Logs.BackfillStarted(logger, segment.Id, segment.Version, instanceId);
            }
        }
    }
}

/// <summary>
/// Back-fills one segment version: calls <see cref="SegmentBackfillPageActivity"/> page after page until it says
/// there is nothing left, starting afresh (<c>ContinueAsNew</c>) every <see cref="PagesPerGeneration"/> pages to
/// keep the history short. Each page's progress is saved by the activity, so a replay resumes where it stopped.
/// </summary>
public static class SegmentBackfillOrchestrator
{
    public const string Name = "SegmentBackfill";

    public const int PagesPerGeneration = 50;

    private static readonly TaskOptions Retries = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(5), backoffCoefficient: 2));

    public static string InstanceIdFor(string segmentId, long version) => $"segment-backfill:{segmentId}:v{version}";

    [Function(Name)]
    public static async Task RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var run = context.GetInput<SegmentBackfillRun>() ?? throw new InvalidOperationException($"Instance '{context.InstanceId}' has no back-fill input.");
        for (var page = 0; page < PagesPerGeneration; page++)
        {
            if (!await context.CallActivityAsync<bool>(SegmentBackfillPageActivity.Name, run, Retries))
            {
                return;
            }
        }

        context.ContinueAsNew(run);
    }
}

/// <summary>One page of a segment back-fill; true while pages are left.</summary>
public sealed class SegmentBackfillPageActivity(SegmentJobs jobs)
{
    public const string Name = "SegmentBackfillPage";

    [Function(Name)]
    public async Task<bool> RunAsync([ActivityTrigger] SegmentBackfillRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return await jobs.BackfillPageAsync(run.SegmentId, run.Version, cancellationToken) is { Done: false };
    }
}

/// <summary>The back-fill orchestration's input: which segment, at which version.</summary>
public sealed record SegmentBackfillRun(string SegmentId, long Version);
