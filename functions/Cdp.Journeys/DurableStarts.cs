using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Cdp.Journeys;

/// <summary>Starting an orchestration that must run once per id, and again if it failed.</summary>
public static class DurableStarts
{
    /// <summary>
    /// Starts <paramref name="name"/> as <paramref name="instanceId"/> unless an instance exists that has not failed; one
    /// that failed or was terminated is purged and started again (the work it saved is skipped by the orchestration
    /// itself). True when this call started it.
    /// </summary>
    public static async Task<bool> StartOnceAsync(DurableTaskClient client, TaskName name, object input, string instanceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (existing is not null)
        {
            if (existing.RuntimeStatus is not (OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated))
            {
                return false;
            }

            await client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken);
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(name, input, OrchestrationVersion.Start(instanceId), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Started meanwhile by another caller (backends word "already exists" differently): its presence is the answer.
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is null)
            {
                throw;
            }

            return false;
        }
    }
}
