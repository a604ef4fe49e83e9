using Cdp.Core;
using Cdp.Core.Journeys;
using Cdp.Core.Privacy;
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

    /// <summary>
    /// Who, among the people sharing Cdp.Local's one admin token, makes a call (declared, not proven): the audit records
    /// <c>admin ({name})</c>. The Function App records the signed-in principal instead.
    /// </summary>
    public const string AdminActorHeader = "X-Cdp-Actor";

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
        services.AddSingleton<AdminAuthentication>();
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
        services.AddSingleton<IErasureRunner>(sp => new DurableErasureRunner(sp.GetRequiredService<DurableTaskClient>()));
        services.AddHostedService<DurableResumer>(); // after the Durable host's own services: it starts them first
        return services;
    }

    /// <summary>
    /// Maps every route of <see cref="CdpRoutes"/> under <c>/api</c>, onto the shared handlers. Collection
    /// (write keys) and health are open; every other route is the admin API, behind <see cref="AdminAuthentication"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapCdpApi(this IEndpointRouteBuilder endpoints)
    {
        // Made now, not at the first admin call: a missing token fails the start, and a generated one is on disk for dev.sh.
        endpoints.ServiceProvider.GetRequiredService<AdminAuthentication>();
        var api = endpoints.MapGroup("/" + CdpRoutes.Prefix);
        // Authenticated, then audited: each answered admin call is recorded before its reply goes out.
        var admin = api.MapGroup(string.Empty).AddEndpointFilter(async (context, next) =>
        {
            var request = context.HttpContext.Request;
            if (context.HttpContext.RequestServices.GetRequiredService<AdminAuthentication>().Check(request) is { } refused)
            {
                return refused;
            }

            var result = await next(context);
            var actor = request.Headers.TryGetValue(AdminActorHeader, out var declared) && !string.IsNullOrWhiteSpace(declared) ? $"admin ({declared})" : "admin";
            await context.HttpContext.RequestServices.GetRequiredService<AuditHandler>().RecordAsync(request, actor, AuditHandler.StatusOf(result), context.HttpContext.RequestAborted);
            return result;
        });
        api.MapPost(CdpRoutes.Collect, (HttpRequest request, string type, CollectHandler handler, CancellationToken ct) => handler.HandleAsync(request, type, ct))
            .RequireCors(CollectCors);
        api.MapPost(CdpRoutes.Track, (HttpRequest request, TracardiHandler handler, CancellationToken ct) => handler.HandleAsync(request, ct))
            .RequireCors(CollectCors);
        admin.MapGet(CdpRoutes.DeadLetters, (HttpRequest request, DeadLetterHandler handler, CancellationToken ct) => handler.ListAsync(request, ct));
        admin.MapPost(CdpRoutes.DeadLetterReplay, (HttpRequest request, string id, DeadLetterHandler handler, CancellationToken ct) => handler.ReplayAsync(request, id, ct));
        admin.MapPost(CdpRoutes.DeadLettersReplay, (HttpRequest request, DeadLetterHandler handler, CancellationToken ct) => handler.ReplayAllAsync(request, ct));
        admin.MapDelete(CdpRoutes.DeadLetters, (HttpRequest request, DeadLetterHandler handler, CancellationToken ct) => handler.DeleteAllAsync(request, ct));
        admin.MapDelete(CdpRoutes.DeadLetter, (string id, DeadLetterHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct));
        admin.MapGet(CdpRoutes.Profile, (string id, ProfileHandler handler, CancellationToken ct) => handler.GetAsync(id, ct));
        admin.MapGet(CdpRoutes.Profiles, (HttpRequest request, ProfileHandler handler, CancellationToken ct) => handler.FindAsync(request, ct));
        admin.MapGet(CdpRoutes.ProfileLedger, (string id, ProfileHandler handler, CancellationToken ct) => handler.LedgerAsync(id, ct));
        admin.MapGet(CdpRoutes.ProfileEvents, (HttpRequest request, string id, ProfileHandler handler, CancellationToken ct) => handler.EventsAsync(request, id, ct));
        admin.MapDelete(CdpRoutes.Profile, (HttpRequest request, string id, PrivacyHandler handler, IErasureRunner runner, CancellationToken ct) => handler.EraseProfileAsync(request, id, runner, ct));
        admin.MapPost(CdpRoutes.PrivacyErasures, (HttpRequest request, PrivacyHandler handler, IErasureRunner runner, CancellationToken ct) => handler.RequestErasureAsync(request, runner, ct));
        admin.MapGet(CdpRoutes.PrivacyErasure, (string id, PrivacyHandler handler, CancellationToken ct) => handler.GetErasureAsync(id, ct));
        admin.MapGet(CdpRoutes.Audit, (HttpRequest request, AuditHandler handler, CancellationToken ct) => handler.QueryAsync(request, ct));
        admin.MapGet(CdpRoutes.ProfileExport, (string id, PrivacyHandler handler, CancellationToken ct) => handler.ExportAsync(id, ct));
        admin.MapPut(CdpRoutes.ProfileConsent, (HttpRequest request, string id, string purpose, ConsentHandler handler, CancellationToken ct) => handler.PutAsync(request, id, purpose, ct));
        admin.MapGet(CdpRoutes.ProfileJourneys, (string id, JourneyHandler handler, CancellationToken ct) => handler.ForProfileAsync(id, ct));
        admin.MapGet(CdpRoutes.Journeys, (JourneyHandler handler, CancellationToken ct) => handler.ListAsync(ct));
        admin.MapGet(CdpRoutes.Journey, (string id, JourneyHandler handler, CancellationToken ct) => handler.GetAsync(id, ct));
        admin.MapPut(CdpRoutes.Journey, (HttpRequest request, string id, JourneyHandler handler, CancellationToken ct) => handler.PutAsync(request, id, ct));
        admin.MapDelete(CdpRoutes.Journey, (string id, JourneyHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct));
        admin.MapGet(CdpRoutes.JourneyInstances, (HttpRequest request, string id, JourneyHandler handler, CancellationToken ct) => handler.InstancesAsync(request, id, ct));
        admin.MapGet(CdpRoutes.JourneyMetrics, (string id, JourneyHandler handler, CancellationToken ct) => handler.MetricsAsync(id, ct));
        admin.MapGet(CdpRoutes.JourneyInstance, (string instanceId, JourneyHandler handler, IJourneyRuntime runtime, CancellationToken ct) => handler.InstanceAsync(instanceId, runtime, ct));
        admin.MapPost(CdpRoutes.JourneyInstanceTerminate, (HttpRequest request, string instanceId, JourneyHandler handler, IJourneyRuntime runtime, CancellationToken ct) => handler.TerminateAsync(request, instanceId, runtime, ct));
        admin.MapPost(CdpRoutes.JourneyInstanceEvent, (string instanceId, string name, JourneyHandler handler, IJourneyRuntime runtime, CancellationToken ct) => handler.SendEventAsync(instanceId, name, runtime, ct));
        admin.MapGet(CdpRoutes.Segments, (SegmentHandler handler, CancellationToken ct) => handler.ListAsync(ct));
        admin.MapGet(CdpRoutes.Segment, (string id, SegmentHandler handler, CancellationToken ct) => handler.GetAsync(id, ct));
        admin.MapPut(CdpRoutes.Segment, (HttpRequest request, string id, SegmentHandler handler, CancellationToken ct) => handler.PutAsync(request, id, ct));
        admin.MapDelete(CdpRoutes.Segment, (string id, SegmentHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct));
        admin.MapGet(CdpRoutes.SegmentTransitions, (HttpRequest request, string id, SegmentHandler handler, CancellationToken ct) => handler.TransitionsAsync(request, id, ct));
        api.MapGet(CdpRoutes.Health, () => HealthHandler.Get());
        return endpoints;
    }
}
