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

    public async Task<JourneyRunStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        return new JourneyRunStatus(
            instance.InstanceId,
            instance.RuntimeStatus.ToString(),
            instance.CreatedAt,
            instance.LastUpdatedAt,
            instance.SerializedCustomStatus is null ? null : instance.ReadCustomStatusAs<JourneyProgress>(),
            instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? instance.ReadOutputAs<JourneyOutcome>() : null,
            instance.FailureDetails?.ErrorMessage);
    }
}
