using Cdp.Core.Journeys;
using Microsoft.DurableTask;

namespace Cdp.Journeys;

/// <summary>
/// The journey runner: interprets a <see cref="JourneyDefinition"/> step by step, deterministically.
/// Waits are durable timers; webhooks are activities with retries. Hosted as an orchestrator function by
/// Cdp.Functions and by the in-process Durable Task host in Cdp.Local.
/// </summary>
/// <remarks>
/// Orchestrator code is replayed: it reads time only from <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>
/// and does no I/O; everything that touches the world happens in an activity.
/// </remarks>
public static class JourneyOrchestrator
{
    public const string Name = "JourneyOrchestrator";

    /// <summary>Retries of a webhook: 5 attempts, 5 s apart at first, doubling.</summary>
    public static readonly TaskOptions WebhookRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5,
        firstRetryInterval: TimeSpan.FromSeconds(5),
        backoffCoefficient: 2));

    public static async Task<JourneyOutcome> RunAsync(TaskOrchestrationContext context, JourneyRun run)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(run);
        var steps = run.Journey.Steps;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            context.SetCustomStatus(new JourneyProgress(i, step.Type));
            switch (step.Type)
            {
                case JourneyStep.Wait when JourneyValidator.TryParseDuration(step.Duration, out var duration):
                    await context.CreateTimer(context.CurrentUtcDateTime.Add(duration), CancellationToken.None);
                    break;
                case JourneyStep.Webhook when step.Url is not null:
                    var call = new WebhookCall(step.Url, run.Journey.Id, run.Journey.Version, run.ProfileId, context.InstanceId, i);
                    await context.CallActivityAsync<WebhookResult>(SendWebhookActivity.Name, call, WebhookRetry);
                    break;
                default:
                    // Definitions are validated before they start; one that is not is a bug, and failing shows it.
                    throw new InvalidOperationException($"Step {i} of journey '{run.Journey.Id}' is not runnable ('{step.Type}').");
            }
        }

        return new JourneyOutcome(steps.Count);
    }
}
