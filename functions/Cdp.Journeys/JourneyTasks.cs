using Cdp.Core.Journeys;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Journeys;

/// <summary>
/// Registers the journey orchestrator and its activities with a Durable Task worker (used by Cdp.Local's
/// in-process host; the Function App registers them through its function shells instead).
/// </summary>
public static class JourneyTasks
{
    public static DurableTaskRegistry AddJourneyTasks(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddOrchestratorFunc<JourneyRun, JourneyOutcome>(JourneyOrchestrator.Name, JourneyOrchestrator.RunAsync);
        registry.AddActivity(SendWebhookActivity.Name, services => new WebhookTaskActivity(services.GetRequiredService<SendWebhookActivity>()));
        return registry;
    }

    /// <summary>Registers what the activities need from the container.</summary>
    public static IServiceCollection AddJourneyActivities(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHttpClient<SendWebhookActivity>(client => client.Timeout = TimeSpan.FromSeconds(30));
        return services;
    }

    private sealed class WebhookTaskActivity(SendWebhookActivity activity) : TaskActivity<WebhookCall, WebhookResult>
    {
        public override Task<WebhookResult> RunAsync(TaskActivityContext context, WebhookCall input) =>
            activity.RunAsync(input, CancellationToken.None);
    }
}
