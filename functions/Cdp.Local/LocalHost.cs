using System.Text.Json.Nodes;
using Cdp.Core;
using Cdp.Core.Consents;
using Cdp.Core.DeadLetters;
using Cdp.Core.Identity;
using Cdp.Core.Journeys;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Core.Sources;
using Cdp.Destinations;
using Cdp.Embedded;
using Cdp.Embedded.Consumers;
using Cdp.Http;
using Cdp.Journeys;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.OpenApi;

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
    public static IServiceCollection AddCdpLocal(this IServiceCollection services)
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
        services.AddCdpOpenApi();
        services.AddCdpConsole();
        services.AddSingleton<AdminAuthentication>();
        services.AddCdpTelemetry();
        // Read when the host starts, so any configuration source (a test's too) can turn ingest off.
        services.AddSingleton<IHostedService>(sp => string.Equals(sp.GetRequiredService<IConfiguration>()[IngestVariable], "off", StringComparison.OrdinalIgnoreCase)
            ? new IngestOff()
            : ActivatorUtilities.CreateInstance<IngestConsumer>(sp));

        services.AddSingleton<ConsumerHealth>();
        services.AddSingleton<Core.Status.IConsumerStatusSource, EmbeddedConsumerStatus>();
        services.AddHostedService<ProfileChangeConsumer>();
        services.AddHostedService<RetentionPruner>();
        services.AddHostedService<SegmentWorker>();
        services.AddCdpDestinations();
        services.AddSingleton<DestinationConsumers>();
        services.AddSingleton<Core.Destinations.IDestinationBacklog>(sp => sp.GetRequiredService<DestinationConsumers>());
        services.AddHostedService(sp => sp.GetRequiredService<DestinationConsumers>());

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
        var admin = api.MapGroup(string.Empty).WithMetadata(ApiAccess.Admin).AddEndpointFilter(async (context, next) =>
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
        // Every endpoint says what it reads and answers, for the OpenAPI document (ApiDocument): the handlers read bodies
        // and queries themselves, so the generator sees only what is declared here.
        const JsonSchemaType Text = JsonSchemaType.String, Number = JsonSchemaType.Integer;
        const string Limit = "How many (1 to 1,000).";
        const string Reason = "Why the call is made: kept in its audit entry.";
        api.MapPost(CdpRoutes.Collect, (HttpRequest request, string type, CollectHandler handler, CancellationToken ct) => handler.HandleAsync(request, type, ct))
            .RequireCors(CollectCors).WithMetadata(ApiAccess.WriteKey)
            .Operation("collect", "Collection", "Send one Segment message, or a batch of them", "The Segment HTTP Tracking API: point a Segment or RudderStack library's host at /api.")
            .PathValues("type", "identify", "track", "page", "screen", "group", "alias", CollectHandler.Batch)
            .BodyOneOf("One message (its type as in the path), or for 'batch' a batch; gzip accepted.", required: true, typeof(SegmentMessageShape), typeof(SegmentBatchShape))
            .Produces<CollectReply>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(404).ProducesProblem(413).ProducesProblem(429);
        api.MapPost(CdpRoutes.Track, (HttpRequest request, TracardiHandler handler, CancellationToken ct) => handler.HandleAsync(request, ct))
            .RequireCors(CollectCors).WithMetadata(ApiAccess.WriteKey)
            .Operation("track", "Collection", "Send Tracardi-style events", "The write key is source.id; the reply's profile.id is the visitor token to send next time.")
            .BodyOneOf("The track request.", required: true, typeof(TracardiTrackShape))
            .Produces<TracardiReply>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(413).ProducesProblem(429);
        admin.MapGet(CdpRoutes.DeadLetters, (HttpRequest request, DeadLetterHandler handler, CancellationToken ct) => handler.ListAsync(request, ct))
            .Operation("listDeadLetters", "Dead letters", "List dead letters, a page at a time", "A Link header with rel=\"next\" names the next page.")
            .Query("limit", Number, Limit).Query("after", Text, "The cursor of the next page.").Query("stage", Text, "collect, ingest or changes.").Query("source", Text, "A source id.")
            .Produces<IReadOnlyList<DeadLetter>>().ProducesValidationProblem();
        admin.MapPost(CdpRoutes.DeadLetterReplay, (HttpRequest request, string id, DeadLetterHandler handler, CancellationToken ct) => handler.ReplayAsync(request, id, ct))
            .Operation("replayDeadLetter", "Dead letters", "Replay one dead letter, as kept or corrected", "With a body, the body replaces the kept message (a fix); a letter that still cannot be accepted is kept.")
            .BodyOneOf("The corrected message (optional).", required: false, typeof(JsonObject))
            .Produces<ReplayReply>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(413);
        admin.MapPost(CdpRoutes.DeadLettersReplay, (HttpRequest request, DeadLetterHandler handler, CancellationToken ct) => handler.ReplayAllAsync(request, ct))
            .Operation("replayDeadLetters", "Dead letters", "Replay a page of dead letters")
            .Query("limit", Number, Limit).Query("after", Text, "The cursor of the page.").Query("stage", Text, "collect, ingest or changes.").Query("source", Text, "A source id.")
            .Produces<ReplayAllReply>().ProducesValidationProblem();
        admin.MapDelete(CdpRoutes.DeadLetters, (HttpRequest request, DeadLetterHandler handler, CancellationToken ct) => handler.DeleteAllAsync(request, ct))
            .Operation("deleteDeadLetters", "Dead letters", "Delete a page of dead letters")
            .Query("limit", Number, Limit).Query("after", Text, "The cursor of the page.").Query("stage", Text, "collect, ingest or changes.").Query("source", Text, "A source id.")
            .Produces<DeleteAllReply>().ProducesValidationProblem();
        admin.MapDelete(CdpRoutes.DeadLetter, (string id, DeadLetterHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct))
            .Operation("deleteDeadLetter", "Dead letters", "Delete one dead letter")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404);
        admin.MapGet(CdpRoutes.Profile, (string id, ProfileHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .Operation("getProfile", "Profiles", "Get a profile by id", "A merged-away id answers with the survivor (redirectedFrom set, Content-Location naming it).")
            .Header(AuditHandler.ReasonHeader, Reason)
            .Produces<ProfileView>().ProducesProblem(404);
        admin.MapGet(CdpRoutes.Profiles, (HttpRequest request, ProfileHandler handler, CancellationToken ct) => handler.FindAsync(request, ct))
            .Operation("findProfile", "Profiles", "Find the profile that holds an identifier")
            .Query("identifier", Text, "type:value, e.g. email:ada@example.com.", required: true).Header(AuditHandler.ReasonHeader, Reason)
            .Produces<ProfileView>().ProducesValidationProblem().ProducesProblem(404);
        admin.MapGet(CdpRoutes.ProfileLedger, (string id, ProfileHandler handler, CancellationToken ct) => handler.LedgerAsync(id, ct))
            .Operation("getProfileLedger", "Profiles", "A profile's identity ledger", "Which identifiers joined when, which profiles merged, on which evidence.")
            .Produces<IReadOnlyList<LedgerEntry>>().ProducesProblem(404);
        admin.MapGet(CdpRoutes.ProfileEvents, (HttpRequest request, string id, ProfileHandler handler, CancellationToken ct) => handler.EventsAsync(request, id, ct))
            .Operation("getProfileEvents", "Profiles", "A profile's newest events, merged profiles' included")
            .Query("limit", Number, "How many (1 to 1,000; 100 when absent).")
            .Produces<IReadOnlyList<ProfileEvent>>().ProducesValidationProblem().ProducesProblem(404);
        admin.MapDelete(CdpRoutes.Profile, (HttpRequest request, string id, PrivacyHandler handler, IErasureRunner runner, CancellationToken ct) => handler.EraseProfileAsync(request, id, runner, ct))
            .Operation("eraseProfile", "Privacy", "Erase a person", "202 with the erasure's status URL in Location while it runs; 200 with the receipt once done.")
            .Header(AuditHandler.ReasonHeader, Reason)
            .Produces<ErasureView>(StatusCodes.Status202Accepted).Produces<ErasureView>().ProducesProblem(404);
        admin.MapPost(CdpRoutes.PrivacyErasures, (HttpRequest request, PrivacyHandler handler, IErasureRunner runner, CancellationToken ct) => handler.RequestErasureAsync(request, runner, ct))
            .Operation("requestErasure", "Privacy", "Erase whoever holds an identifier (or suppress it)", "Asking again returns the same erasure.")
            .BodyOneOf("The identifier, and optionally the reason.", required: true, typeof(ErasureRequest)).Header(AuditHandler.ReasonHeader, Reason)
            .Produces<ErasureView>(StatusCodes.Status202Accepted).Produces<ErasureView>().ProducesValidationProblem();
        admin.MapGet(CdpRoutes.PrivacyErasure, (string id, PrivacyHandler handler, CancellationToken ct) => handler.GetErasureAsync(id, ct))
            .Operation("getErasure", "Privacy", "An erasure's status, and once completed its receipt")
            .Produces<ErasureView>().ProducesProblem(404);
        admin.MapPost(CdpRoutes.PrivacyMasterKeys, (MasterKeyHandler handler, CancellationToken ct) => handler.RotateAsync(ct))
            .Operation("rotateMasterKey", "Privacy", "Rotate the master key", "Adds a master key generation that wraps new data keys, and rewraps every generation with the key wrapper's current version. Then rewrap the data keys (rewrapMasterKeys) until 'next' is null.")
            .Produces<MasterKeyRotation>().ProducesProblem(409);
        admin.MapPost(CdpRoutes.PrivacyMasterKeysRewrap, (HttpRequest request, MasterKeyHandler handler, CancellationToken ct) => handler.RewrapAsync(request, ct))
            .Operation("rewrapMasterKeys", "Privacy", "Rewrap a page of data keys onto the latest master key", "Keys shredded or changed meanwhile are left alone; 'next' names the next page (null: done).")
            .Query("after", Text, "The 'next' of the previous page.").Query("limit", Number, "How many (1 to 1,000; 500 when absent).")
            .Produces<MasterKeyRewrap>().ProducesValidationProblem().ProducesProblem(409);
        admin.MapGet(CdpRoutes.Audit, (HttpRequest request, AuditHandler handler, CancellationToken ct) => handler.QueryAsync(request, ct))
            .Operation("queryAudit", "Privacy", "The admin API's audit trail, newest first")
            .Query("from", Text, "ISO 8601 date-time.").Query("to", Text, "ISO 8601 date-time.").Query("profileId", Text, "Calls that named this profile.")
            .Query("actor", Text, "Who called.").Query("action", Text, "read, export, change or erase.").Query("limit", Number, Limit)
            .Produces<IReadOnlyList<AuditEntry>>().ProducesValidationProblem();
        admin.MapGet(CdpRoutes.ProfileExport, (string id, PrivacyHandler handler, CancellationToken ct) => handler.ExportAsync(id, ct))
            .Operation("exportProfile", "Privacy", "Everything held on a person", "Profile, ledger, events, segment history, journeys.")
            .Header(AuditHandler.ReasonHeader, Reason)
            .Produces<ProfileExport>().ProducesProblem(404);
        admin.MapPut(CdpRoutes.ProfileConsent, (HttpRequest request, string id, string purpose, ConsentHandler handler, CancellationToken ct) => handler.PutAsync(request, id, purpose, ct))
            .Operation("putConsent", "Profiles", "Record a consent decision for one purpose")
            .BodyOneOf("The decision.", required: true, typeof(ConsentRequest)).Header("Idempotency-Key", "A repeated request with the same key changes nothing.")
            .Produces<ConsentView>().ProducesValidationProblem().ProducesProblem(404);
        admin.MapGet(CdpRoutes.ProfileJourneys, (string id, JourneyHandler handler, CancellationToken ct) => handler.ForProfileAsync(id, ct))
            .Operation("getProfileJourneys", "Journeys", "A profile's journey instances")
            .Produces<IReadOnlyList<JourneyInstance>>();
        admin.MapGet(CdpRoutes.Journeys, (JourneyHandler handler, CancellationToken ct) => handler.ListAsync(ct))
            .Operation("listJourneys", "Journeys", "Every journey definition")
            .Produces<IReadOnlyList<JourneyDefinition>>();
        admin.MapGet(CdpRoutes.Journey, (string id, JourneyHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .Operation("getJourney", "Journeys", "One journey definition")
            .Produces<JourneyDefinition>().ProducesProblem(404);
        admin.MapPut(CdpRoutes.Journey, (HttpRequest request, string id, JourneyHandler handler, CancellationToken ct) => handler.PutAsync(request, id, ct))
            .Operation("putJourney", "Journeys", "Create or change a journey definition", "Validated: 400 names each bad field by its path (steps[0].duration).")
            .BodyOneOf("The definition.", required: true, typeof(JourneyDefinition))
            .Produces<JourneyDefinition>(StatusCodes.Status201Created).Produces<JourneyDefinition>().ProducesValidationProblem().ProducesProblem(409).ProducesProblem(413);
        admin.MapDelete(CdpRoutes.Journey, (string id, JourneyHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct))
            .Operation("deleteJourney", "Journeys", "Delete a journey definition")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404);
        admin.MapGet(CdpRoutes.JourneyInstances, (HttpRequest request, string id, JourneyHandler handler, CancellationToken ct) => handler.InstancesAsync(request, id, ct))
            .Operation("listJourneyInstances", "Journeys", "A journey's instances, a page at a time")
            .Query("status", Text, "Only instances with this status.").Query("after", Text, "The cursor of the next page.").Query("limit", Number, Limit)
            .Produces<JourneyInstancePage>().ProducesValidationProblem();
        admin.MapGet(CdpRoutes.JourneyMetrics, (string id, JourneyHandler handler, CancellationToken ct) => handler.MetricsAsync(id, ct))
            .Operation("getJourneyMetrics", "Journeys", "A journey's counts: entered, by status, exits by reason, per step")
            .Produces<JourneyMetrics>().ProducesProblem(404);
        admin.MapGet(CdpRoutes.JourneyInstance, (string instanceId, JourneyHandler handler, IJourneyRuntime runtime, CancellationToken ct) => handler.InstanceAsync(instanceId, runtime, ct))
            .Operation("getJourneyInstance", "Journeys", "One journey instance: its record and the runtime's view")
            .Produces<JourneyInstanceView>().ProducesProblem(404);
        admin.MapPost(CdpRoutes.JourneyInstanceTerminate, (HttpRequest request, string instanceId, JourneyHandler handler, IJourneyRuntime runtime, CancellationToken ct) => handler.TerminateAsync(request, instanceId, runtime, ct))
            .Operation("terminateJourneyInstance", "Journeys", "Terminate a journey instance")
            .BodyOneOf("The reason (optional).", required: false, typeof(TerminateRequest))
            .Produces<JourneyInstance>().ProducesValidationProblem().ProducesProblem(404);
        admin.MapPost(CdpRoutes.JourneyInstanceEvent, (string instanceId, string name, JourneyHandler handler, IJourneyRuntime runtime, CancellationToken ct) => handler.SendEventAsync(instanceId, name, runtime, ct))
            .Operation("sendJourneyInstanceEvent", "Journeys", "Raise a track event to a journey instance", "What its waitFor steps wait for.")
            .Produces(StatusCodes.Status202Accepted).ProducesProblem(404).ProducesProblem(409);
        admin.MapPost(CdpRoutes.JourneyDryRun, (HttpRequest request, JourneyHandler handler, CancellationToken ct) => handler.DryRunAsync(request, ct))
            .Operation("dryRunJourney", "Journeys", "The path a journey would take for a person now", "A saved journey (journeyId) or a definition not saved yet (journey); nothing is changed, no webhook is called. Waits move a simulated clock; a waitFor is taken to time out.")
            .BodyOneOf("The person and the journey.", required: true, typeof(JourneyDryRunRequest))
            .Produces<JourneyDryRunResult>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(413);
        admin.MapGet(CdpRoutes.JourneyStepTypes, (JourneyHandler handler) => handler.StepTypes())
            .Operation("listJourneyStepTypes", "Journeys", "The step types and actions a journey is built from, with their fields")
            .Produces<IReadOnlyList<JourneyStepType>>();
        admin.MapGet(CdpRoutes.Segments, (SegmentHandler handler, CancellationToken ct) => handler.ListAsync(ct))
            .Operation("listSegments", "Segments", "Every segment with its size")
            .Produces<IReadOnlyList<SegmentView>>();
        admin.MapGet(CdpRoutes.Segment, (string id, SegmentHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .Operation("getSegment", "Segments", "One segment with its size and back-fill")
            .Produces<SegmentView>().ProducesProblem(404);
        admin.MapPut(CdpRoutes.Segment, (HttpRequest request, string id, SegmentHandler handler, CancellationToken ct) => handler.PutAsync(request, id, ct))
            .Operation("putSegment", "Segments", "Create or change a segment", "The rule is validated: 400 names rule, name, status or id.")
            .BodyOneOf("The segment.", required: true, typeof(SegmentRequest))
            .Produces<SegmentView>(StatusCodes.Status201Created).Produces<SegmentView>().ProducesValidationProblem().ProducesProblem(409).ProducesProblem(413);
        admin.MapDelete(CdpRoutes.Segment, (string id, SegmentHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct))
            .Operation("deleteSegment", "Segments", "Delete a segment", "202: its members are taken out, then it goes; 409 while other segments read it.")
            .Produces<SegmentView>(StatusCodes.Status202Accepted).ProducesProblem(404).ProducesProblem(409);
        admin.MapPost(CdpRoutes.SegmentPreview, (HttpRequest request, SegmentHandler handler, CancellationToken ct) => handler.PreviewAsync(request, ct))
            .Operation("previewSegment", "Segments", "Check a rule and see whom it matches in a sample", "Nothing is saved: the rule's problems as a save would find them (each at its character when known), and over the first 200 profiles how many match and the first 10 of them.")
            .BodyOneOf("The rule, and the segment's id when it is saved already (for the checks of segments it reads).", required: true, typeof(SegmentPreviewRequest))
            .Produces<SegmentPreview>().ProducesValidationProblem().ProducesProblem(413);
        admin.MapGet(CdpRoutes.SegmentTransitions, (HttpRequest request, string id, SegmentHandler handler, CancellationToken ct) => handler.TransitionsAsync(request, id, ct))
            .Operation("listSegmentTransitions", "Segments", "A segment's newest transitions (entered, exited)")
            .Query("limit", Number, "How many (1 to 1,000; 100 when absent).")
            .Produces<IReadOnlyList<SegmentTransition>>().ProducesValidationProblem().ProducesProblem(404);
        admin.MapGet(CdpRoutes.Sources, (SourceHandler handler, CancellationToken ct) => handler.ListAsync(ct))
            .Operation("listSources", "Sources", "Every source", "Each source's id, name, binding, request limits and where it is kept (configuration, or api when created over the API); write keys are never shown.")
            .Produces<IReadOnlyList<SourceView>>();
        admin.MapGet(CdpRoutes.Source, (string id, SourceHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .Operation("getSource", "Sources", "One source")
            .Produces<SourceView>().ProducesProblem(404);
        admin.MapPut(CdpRoutes.Source, (HttpRequest request, string id, SourceHandler handler, CancellationToken ct) => handler.PutAsync(request, id, ct))
            .Operation("putSource", "Sources", "Create or change a source", "201 when created, with the source's write key: it is shown this once (only its SHA-256 is kept). 200 when changed (the key stays). Fields left out take their defaults. 409 for a source in configuration. Another instance uses a new or changed source within 10 seconds.")
            .BodyOneOf("The source's settings.", required: true, typeof(SourceRequest))
            .Produces<SourceKeyReply>(StatusCodes.Status201Created).Produces<SourceView>().ProducesValidationProblem().ProducesProblem(409).ProducesProblem(413);
        admin.MapPost(CdpRoutes.SourceKey, (string id, SourceHandler handler, CancellationToken ct) => handler.NewKeyAsync(id, ct))
            .Operation("newSourceKey", "Sources", "Give a source a new write key", "The new key is in the reply and not shown again; the old key stops working. 409 for a source in configuration.")
            .Produces<SourceKeyReply>().ProducesProblem(404).ProducesProblem(409);
        admin.MapDelete(CdpRoutes.Source, (string id, SourceHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct))
            .Operation("deleteSource", "Sources", "Delete a source", "Its key stops working; what it sent stays. 409 for a source in configuration.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404).ProducesProblem(409);
        admin.MapGet(CdpRoutes.Destinations, (DestinationHandler handler, CancellationToken ct) => handler.ListAsync(ct))
            .Operation("listDestinations", "Destinations", "Every destination", "Each destination's settings; secrets by name only (secretNames), never their values.")
            .Produces<IReadOnlyList<Core.Destinations.DestinationView>>();
        admin.MapGet(CdpRoutes.Destination, (string id, DestinationHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .Operation("getDestination", "Destinations", "One destination")
            .Produces<Core.Destinations.DestinationView>().ProducesProblem(404);
        admin.MapPut(CdpRoutes.Destination, (HttpRequest request, string id, DestinationHandler handler, CancellationToken ct) => handler.PutAsync(request, id, ct))
            .Operation("putDestination", "Destinations", "Create or change a destination", "201 when created, 200 when changed. The whole destination is replaced, except secrets: one left out keeps its value, an empty one is removed; values are never shown again. Exactly one of events and audiences. An event destination receives what is accepted after it is created; an audience destination starts with the current members of its segments. Another instance uses a new or changed destination within 10 seconds.")
            .BodyOneOf("The destination.", required: true, typeof(Core.Destinations.DestinationDefinition))
            .Produces<Core.Destinations.DestinationView>(StatusCodes.Status201Created).Produces<Core.Destinations.DestinationView>().ProducesValidationProblem().ProducesProblem(409).ProducesProblem(413);
        admin.MapDelete(CdpRoutes.Destination, (string id, DestinationHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct))
            .Operation("deleteDestination", "Destinations", "Delete a destination", "Its delivery stops; its dead letters stay until replayed (which then fails) or deleted.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404);
        admin.MapGet(CdpRoutes.DestinationStatus, (string id, DestinationHandler handler, CancellationToken ct) => handler.StatusAsync(id, ct))
            .Operation("getDestinationStatus", "Destinations", "A destination's delivery status", "The last success and error, items delivered, dead-lettered, withheld (no consent) and filtered out since it was created, and its backlog (what its consumer has not read; null in the Function App).")
            .Produces<Core.Destinations.DestinationStatus>().ProducesProblem(404);
        admin.MapPost(CdpRoutes.Imports, (HttpRequest request, ImportHandler handler, CancellationToken ct) => handler.PostAsync(request, ct))
            .Operation("postImport", "Imports", "Import rows in bulk", "Streams NDJSON (one Segment message per line) or CSV (a header of type, userId, anonymousId, event, timestamp, messageId, traits.NAME, properties.NAME, context.NAME) into collection for a source: the same checks, identity, consent and dead letters as the collection API, without its request limit. A row without a messageId gets import-{id}-{line}. Progress is saved every 1,000 rows: the same import sent again resumes after the last row done, and one that finished changes nothing. The reply, when the body is read, is the import's summary; refused rows are named by line (the first 100) and kept as dead letters. The body may be gzip (Content-Encoding) and has no size limit.")
            .Query("id", Text, "The import's id (1 to 64 letters, digits, - or _): send the same file again with it to resume.", required: true)
            .Query("source", Text, "The id of the source the rows come from (its settings apply).", required: true)
            .Query("format", Text, "ndjson or csv; by default from the Content-Type (text/csv is csv, anything else ndjson).")
            .TextBody("The rows: one JSON message per line, or CSV with a header.", "application/x-ndjson", "text/csv")
            .Produces<Core.Importing.ImportStatus>().ProducesValidationProblem().ProducesProblem(409);
        admin.MapGet(CdpRoutes.Import, (string id, ImportHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .Operation("getImport", "Imports", "An import's progress", "Rows read, accepted, rejected (the first 100 with their line and reason), skipped, the last line done, and whether it is running or done.")
            .Produces<Core.Importing.ImportStatus>().ProducesProblem(404);
        admin.MapGet(CdpRoutes.Activity, (HttpRequest request, ActivityHandler handler, CancellationToken ct) => handler.GetAsync(request, ct))
            .Operation("getActivity", "Activity", "Activity by minute", "Messages collected and applied, profiles merged and dead letters kept in each of the last N minutes (the current one included), summed over every instance (each writes its minutes every 15 seconds), their total, and ingest's lag where the host can tell (Cdp.Local: messages in the log not yet ingested, and the age of the oldest; absent in the Function App).")
            .Query("minutes", Number, "How many minutes (1 to 1,440; 60 when absent).")
            .Produces<Core.Activity.ActivityReport>().ProducesValidationProblem();
        admin.MapGet(CdpRoutes.Status, (StatusHandler handler, CancellationToken ct) => handler.GetAsync(ct))
            .Operation("getStatus", "Status", "Consumers' lag and dead letters waiting", "Each consumer: what it reads (events, changes or schedule), the items after its checkpoints and the age of the oldest (null where the host cannot tell), its last success and last error; and the dead letters waiting by stage (counted up to 10,000: deadLettersCapped says there are more). /api/health stays the liveness answer.")
            .Produces<Core.Status.SystemStatus>();
        api.MapGet(CdpRoutes.Health, () => HealthHandler.Get())
            .WithMetadata(ApiAccess.Open).Operation("health", "Health", "Liveness")
            .Produces<HealthReply>();
        return endpoints;
    }
}

/// <summary>Stands in for the ingest consumer while <see cref="LocalHost.IngestVariable"/> is <c>off</c>.</summary>
internal sealed class IngestOff : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
