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
            await client.ScheduleNewOrchestrationInstanceAsync(JourneyOrchestrator.Name, run, new StartOrchestrationOptions(instanceId), cancellationToken);
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

    /// <summary>Purges the instance's history; one still stopping (just terminated) is waited for first, up to <see cref="StopWait"/>.</summary>
    public async Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken)
    {
        if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not { } instance)
        {
            return false;
        }

        if (instance.RuntimeStatus is OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(StopWait);
            await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: false, wait.Token);
        }

        return (await client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken)).PurgedInstanceCount > 0;
    }

    /// <summary>How long a purge waits for a terminated instance to stop (then it fails, and the caller's retry tries again).</summary>
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    private async Task<bool> IsRunningAsync(string instanceId, CancellationToken cancellationToken) =>
        await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is
            { RuntimeStatus: OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended };
}
