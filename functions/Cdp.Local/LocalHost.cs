using Cdp.Core;
using Cdp.Core.Journeys;
using Cdp.Embedded;
using Cdp.Embedded.Consumers;
using Cdp.Http;
using Cdp.Journeys;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace Cdp.Local;

/// <summary>The composition root of the one-machine host.</summary>
public static class LocalHost
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>The environment variable naming an extra JSON configuration file (sources, journeys, …).</summary>
    public const string ConfigFileVariable = "CDP_CONFIG_FILE";

    /// <summary>
    /// The setting that, set to <c>off</c>, keeps the ingest consumer from running: messages are accepted
    /// and stored on the log, and applied when the host runs again with ingest on (benchmarks, troubleshooting).
    /// </summary>
    public const string IngestVariable = "CDP_INGEST";

    private const string CollectCors = "collect";

    /// <summary>Wires Core, the embedded store, the HTTP handlers, the consumers and the journey runtime.</summary>
    public static IServiceCollection AddCdpLocal(this IServiceCollection services, bool ingest = true)
    {
        services.AddCdpEmbeddedStore();
        services.AddOptions<EmbeddedOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            var dataDirectory = configuration[EmbeddedOptions.DataDirectoryVariable];
            if (!string.IsNullOrWhiteSpace(dataDirectory))
            {
                options.DataDirectory = dataDirectory;
            }
        });
        services.AddCdpCore();
        services.AddCdpSegments();
        services.AddCdpJourneys();
        services.AddCdpHttp();
        if (ingest)
        {
            services.AddHostedService<IngestConsumer>();
        }

        services.AddHostedService<ProfileChangeConsumer>();
        services.AddHostedService<RetentionPruner>();
        services.AddHostedService<SegmentWorker>();

        // Browser libraries (analytics.js) post from other origins; collection is authenticated by write key.
        services.AddCors(cors => cors.AddPolicy(CollectCors, policy => policy.AllowAnyOrigin().AllowAnyHeader().WithMethods("POST")));

        services.AddJourneyActivities();
        services.AddInMemoryDurableTask(registry => registry.AddJourneyTasks(), new InMemoryDurableTaskOptions { Port = LoopbackPort.Free() });
        services.AddSingleton<IJourneyRuntime>(sp => new DurableJourneyRuntime(sp.GetRequiredService<DurableTaskClient>()));
        services.AddHostedService<JourneyResumer>(); // after the Durable host's own services: it starts them first
        return services;
    }

    /// <summary>Maps every route of <see cref="CdpRoutes"/> under <c>/api</c>, onto the shared handlers.</summary>
    public static IEndpointRouteBuilder MapCdpApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/" + CdpRoutes.Prefix);
        api.MapPost(CdpRoutes.Collect, (HttpRequest request, string type, CollectHandler handler, CancellationToken ct) => handler.HandleAsync(request, type, ct))
            .RequireCors(CollectCors);
        api.MapPost(CdpRoutes.Track, (HttpRequest request, TracardiHandler handler, CancellationToken ct) => handler.HandleAsync(request, ct))
            .RequireCors(CollectCors);
        api.MapGet(CdpRoutes.DeadLetters, (HttpRequest request, DeadLetterHandler handler, CancellationToken ct) => handler.ListAsync(request, ct));
        api.MapPost(CdpRoutes.DeadLetterReplay, (HttpRequest request, string id, DeadLetterHandler handler, CancellationToken ct) => handler.ReplayAsync(request, id, ct));
        api.MapPost(CdpRoutes.DeadLettersReplay, (DeadLetterHandler handler, CancellationToken ct) => handler.ReplayAllAsync(ct));
        api.MapGet(CdpRoutes.Profile, (string id, ProfileHandler handler, CancellationToken ct) => handler.GetAsync(id, ct));
        api.MapGet(CdpRoutes.Profiles, (HttpRequest request, ProfileHandler handler, CancellationToken ct) => handler.FindAsync(request, ct));
        api.MapGet(CdpRoutes.ProfileLedger, (string id, ProfileHandler handler, CancellationToken ct) => handler.LedgerAsync(id, ct));
        api.MapGet(CdpRoutes.ProfileEvents, (HttpRequest request, string id, ProfileHandler handler, CancellationToken ct) => handler.EventsAsync(request, id, ct));
        api.MapGet(CdpRoutes.ProfileJourneys, (string id, JourneyHandler handler, CancellationToken ct) => handler.ForProfileAsync(id, ct));
        api.MapGet(CdpRoutes.Journeys, (JourneyHandler handler, CancellationToken ct) => handler.ListAsync(ct));
        api.MapGet(CdpRoutes.Journey, (string id, JourneyHandler handler, CancellationToken ct) => handler.GetAsync(id, ct));
        api.MapPut(CdpRoutes.Journey, (HttpRequest request, string id, JourneyHandler handler, CancellationToken ct) => handler.PutAsync(request, id, ct));
        api.MapDelete(CdpRoutes.Journey, (string id, JourneyHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct));
        api.MapGet(CdpRoutes.JourneyInstances, (HttpRequest request, string id, JourneyHandler handler, CancellationToken ct) => handler.InstancesAsync(request, id, ct));
        api.MapGet(CdpRoutes.JourneyMetrics, (string id, JourneyHandler handler, CancellationToken ct) => handler.MetricsAsync(id, ct));
        api.MapGet(CdpRoutes.JourneyInstance, (string instanceId, JourneyHandler handler, IJourneyRuntime runtime, CancellationToken ct) => handler.InstanceAsync(instanceId, runtime, ct));
        api.MapPost(CdpRoutes.JourneyInstanceTerminate, (HttpRequest request, string instanceId, JourneyHandler handler, IJourneyRuntime runtime, CancellationToken ct) => handler.TerminateAsync(request, instanceId, runtime, ct));
        api.MapPost(CdpRoutes.JourneyInstanceEvent, (string instanceId, string name, JourneyHandler handler, IJourneyRuntime runtime, CancellationToken ct) => handler.SendEventAsync(instanceId, name, runtime, ct));
        api.MapGet(CdpRoutes.Segments, (SegmentHandler handler, CancellationToken ct) => handler.ListAsync(ct));
        api.MapGet(CdpRoutes.Segment, (string id, SegmentHandler handler, CancellationToken ct) => handler.GetAsync(id, ct));
        api.MapPut(CdpRoutes.Segment, (HttpRequest request, string id, SegmentHandler handler, CancellationToken ct) => handler.PutAsync(request, id, ct));
        api.MapDelete(CdpRoutes.Segment, (string id, SegmentHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct));
        api.MapGet(CdpRoutes.SegmentTransitions, (HttpRequest request, string id, SegmentHandler handler, CancellationToken ct) => handler.TransitionsAsync(request, id, ct));
        api.MapGet(CdpRoutes.Health, () => HealthHandler.Get());
        return endpoints;
    }
}
