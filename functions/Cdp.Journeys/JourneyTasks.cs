using Cdp.Core.Journeys;
using Cdp.Core.Journeys.Actions;
using Cdp.Core.Privacy;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Journeys;

/// <summary>
/// Registers the journey orchestrator, the erasure orchestrator and their activities with a Durable Task worker
/// (Cdp.Local's in-process host; the Function App registers them through its function shells instead).
/// </summary>
public static class JourneyTasks
{
    public static DurableTaskRegistry AddJourneyTasks(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddOrchestratorFunc<JourneyRun, JourneyOutcome>(JourneyOrchestrator.Name, JourneyOrchestrator.RunAsync);
        Add<JourneyQuestion, JourneyAnswer>(registry, JourneyActivityNames.Ask, (sp, input) => sp.GetRequiredService<JourneyActivities>().AskAsync(input, CancellationToken.None));
        Add<JourneyReport, bool>(registry, JourneyActivityNames.Record, async (sp, input) =>
        {
            await sp.GetRequiredService<JourneyActivities>().RecordAsync(input, CancellationToken.None);
            return true;
        });
        Add<JourneyProfileChange, string>(registry, JourneyActivityNames.ChangeProfile, (sp, input) => sp.GetRequiredService<JourneyActivities>().ChangeProfileAsync(input, CancellationToken.None));
        Add<JourneyActionCall, JourneyActionOutcome>(registry, JourneyActivityNames.RunAction, (sp, input) => sp.GetRequiredService<JourneyActivities>().RunActionAsync(input, CancellationToken.None));
        Add<JourneyWebhook, WebhookResult>(registry, JourneyActivityNames.Webhook, (sp, input) => sp.GetRequiredService<WebhookSender>().SendAsync(input, CancellationToken.None));

        // Erasures run on the same host (Cdp.Local: its background job).
        registry.AddOrchestratorFunc<string, ErasureView>(ErasureOrchestrator.Name, ErasureOrchestrator.RunAsync);
        Add<ErasureStep, int>(registry, ErasureOrchestrator.StepActivity, (sp, input) =>
            sp.GetRequiredService<ErasureService>().RunStepAsync(input.ErasureId, input.Step, sp.GetRequiredService<IJourneyRuntime>(), CancellationToken.None));
        Add<string, ErasureView>(registry, ErasureOrchestrator.CompleteActivity, async (sp, input) =>
            (await sp.GetRequiredService<ErasureService>().CompleteAsync(input, CancellationToken.None)).ToView());
        return registry;
    }

    /// <summary>Registers what the activities need from the container (the domain services come from <c>AddCdpJourneys</c>).</summary>
    public static IServiceCollection AddJourneyActivities(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // The per-attempt timeout is the step's; the client's own is only a backstop above the largest allowed.
        services.AddHttpClient(WebhookSender.Client, client => client.Timeout = JourneyValidator.MaxWebhookTimeout + TimeSpan.FromSeconds(5));
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<IJourneyWebhooks>(sp => sp.GetRequiredService<WebhookSender>());
        return services;
    }

    private static void Add<TInput, TOutput>(DurableTaskRegistry registry, string name, Func<IServiceProvider, TInput, Task<TOutput>> run) =>
        registry.AddActivity(name, services => new Delegating<TInput, TOutput>(services, run));

    private sealed class Delegating<TInput, TOutput>(IServiceProvider services, Func<IServiceProvider, TInput, Task<TOutput>> run) : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(services, input);
    }
}
