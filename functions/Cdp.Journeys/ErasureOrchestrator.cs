using Cdp.Core.Privacy;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Cdp.Journeys;

/// <summary>
/// An erasure as a Durable orchestration (the Function App, and Cdp.Local's in-process host): one activity per step of
/// <see cref="ErasureService.Steps"/>, in order, each retried, then the completion. Steps are idempotent and recorded,
/// so a replay or a restart runs each at most once to completion. Deterministic: no clock, no I/O of its own.
/// </summary>
public static class ErasureOrchestrator
{
    public const string Name = "ErasureOrchestrator";
    public const string StepActivity = "EraseStep";
    public const string CompleteActivity = "CompleteErasure";

    /// <summary>A step's retries: store hiccups, or a terminated journey still stopping.</summary>
    public static readonly TaskOptions StepRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(2), 2));

    public static async Task<ErasureView> RunAsync(TaskOrchestrationContext context, string erasureId)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var step in ErasureService.Steps)
        {
            await context.CallActivityAsync<int>(StepActivity, new ErasureStep(erasureId, step), StepRetry);
        }

        return await context.CallActivityAsync<ErasureView>(CompleteActivity, erasureId, StepRetry);
    }

    /// <summary>The orchestration's instance id for an erasure.</summary>
    public static string InstanceId(string erasureId) => "erasure:" + erasureId;
}

/// <summary>The input of one step's activity.</summary>
public sealed record ErasureStep(string ErasureId, string Step);

/// <summary>
/// Starts the erasure orchestration once per erasure: an instance that exists and has not failed is left alone; one
/// that failed or was terminated is purged and started again (the steps done are skipped).
/// </summary>
public sealed class DurableErasureRunner(DurableTaskClient client) : IErasureRunner
{
    public Task StartAsync(string erasureId, CancellationToken cancellationToken) =>
        DurableStarts.StartOnceAsync(client, ErasureOrchestrator.Name, erasureId, ErasureOrchestrator.InstanceId(erasureId), cancellationToken);
}
