using Cdp.Core.Journeys;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Cdp.Journeys;

/// <summary>
/// The journey runtime over a Durable Task client (Durable Functions, or the in-process host). Starting is
/// idempotent by instance id: an existing instance, or one created concurrently, is not started again.
/// </summary>
public sealed class DurableJourneyRuntime(DurableTaskClient client) : IJourneyRuntime
{
    public async Task<bool> StartAsync(string instanceId, JourneyRun run, CancellationToken cancellationToken)
    {
        if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
        {
            return false;
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(JourneyOrchestrator.Name, run, OrchestrationVersion.Start(instanceId), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Backends report "already exists" with different exceptions; the instance's presence is the
            // answer: another enrollment with the same id won the race between the check and the schedule.
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
            {
                return false;
            }

            throw;
        }
    }

    public async Task<bool> RaiseAsync(string instanceId, string name, JourneySignal signal, CancellationToken cancellationToken)
    {
        if (!await IsRunningAsync(instanceId, cancellationToken))
        {
            return false;
        }

        await client.RaiseEventAsync(instanceId, name, signal, cancellationToken);
        return true;
    }

    public async Task<bool> TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken)
    {
        if (!await IsRunningAsync(instanceId, cancellationToken))
        {
            return false;
        }

        await client.TerminateInstanceAsync(instanceId, new TerminateInstanceOptions { Output = reason }, cancellationToken);
        return true;
    }

    public async Task<JourneyRuntimeStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        return instance is null
            ? null
            : new JourneyRuntimeStatus(
                instance.RuntimeStatus.ToString(),
                instance.CreatedAt,
                instance.LastUpdatedAt,
                instance.SerializedCustomStatus is null ? null : instance.ReadCustomStatusAs<string>(),
                instance.FailureDetails?.ErrorMessage);
    }

    /// <summary>
    /// Purges the instance's history; one still stopping (just terminated) is waited for first, up to <see cref="StopWait"/>.
    /// After such a wait it looks again once <see cref="ReleaseWait"/> has passed, and purges again what it finds: a backend
    /// may report the completion before its dispatcher lets go of the last work item, and the in-process one then puts
    /// that work item's messages back, re-creating the purged instance (terminated again at once, its input kept).
    /// </summary>
    public async Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken)
    {
        var purged = false;
        for (var round = 0; round < MaxPurgeRounds; round++)
        {
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not { } instance)
            {
                return purged;
            }

            var stopping = instance.RuntimeStatus is OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended;
            if (stopping)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(StopWait);
                await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: false, wait.Token);
            }

            purged |= (await client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken)).PurgedInstanceCount > 0;
            if (!stopping)
            {
                return purged;
            }

            await Task.Delay(ReleaseWait, cancellationToken);
        }

        return purged;
    }

    /// <summary>How long a purge that waited for an instance to stop gives the backend to let go of it before it looks again.</summary>
    public static readonly TimeSpan ReleaseWait = TimeSpan.FromMilliseconds(200);

    private const int MaxPurgeRounds = 3;

    /// <summary>How long a purge waits for a terminated instance to stop (then it fails, and the caller's retry tries again).</summary>
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    private async Task<bool> IsRunningAsync(string instanceId, CancellationToken cancellationToken) =>
        await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is
            { RuntimeStatus: OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended };
}
