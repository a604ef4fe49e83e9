using Cdp.Core.Changes;
using Cdp.Core.Collect;
using Cdp.Core.Consents;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Core.Sources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cdp.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the domain services both hosts run (collect, ingest, profile reads, the profile change
    /// processor) and binds <see cref="SourceOptions"/> (<c>Cdp:Sources</c>), <see cref="IdentityOptions"/>
    /// (<c>Cdp:Identity</c>) and <see cref="MergePolicyOptions"/> (<c>Cdp:MergePolicy</c>) from the host's
    /// <c>IConfiguration</c>, refusing to start when any is invalid. The ports come from an adapter.
    /// </summary>
    public static IServiceCollection AddCdpCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(IngestService)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CollectService>();
        services.AddSingleton<IngestService>();
        services.AddSingleton<TransientFailures>();
        services.AddSingleton<IdentityResolver>();
        services.AddSingleton<IdentityRules>();
        services.AddSingleton<MergePolicy>();
        services.AddOptions<IdentityOptions>()
            .BindConfiguration(IdentityOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdentityOptions>, IdentityOptionsValidator>();
        services.AddOptions<MergePolicyOptions>()
            .BindConfiguration(MergePolicyOptions.Section)
            .Validate(o => o.HistoryLimit >= 0 && o.RecentMessages >= 1 && o.MaxTraits >= 1, "Cdp:MergePolicy: HistoryLimit must be 0 or more, RecentMessages and MaxTraits 1 or more.")
            .ValidateOnStart();
        services.AddSingleton<ProfileReader>();
        services.AddSingleton<SourceRegistry>();
        services.AddSingleton<SourceService>();
        services.AddSingleton<Activity.ActivityCounters>();
        services.AddSingleton<Activity.ActivityService>();
        services.AddSingleton<Status.StatusService>();
        services.AddSingleton<Importing.ImportService>();
        services.AddSingleton<Destinations.DestinationSecrets>();
        services.AddSingleton<Destinations.DestinationCatalog>();
        services.AddSingleton<Destinations.DestinationItems>();
        services.AddSingleton<Destinations.DestinationDelivery>();
        services.AddSingleton<Destinations.DestinationDispatcher>();
        services.AddSingleton<Destinations.DestinationService>();
        services.AddOptions<Destinations.DestinationOptions>()
            .BindConfiguration(Destinations.DestinationOptions.Section)
            .Validate(o => o.MaxAttempts >= 1 && o.RetryDelay > TimeSpan.Zero, "Cdp:Destinations: MaxAttempts must be 1 or more and RetryDelay more than zero.")
            .ValidateOnStart();
        services.AddOptions<SourceOptions>()
            .BindConfiguration(SourceOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SourceOptions>, SourceOptionsValidator>();
        services.AddSingleton<ProfileChangeReplay>();
        services.AddSingleton<ProfileChangeProcessor>();
        services.AddSingleton<ConsentService>();
        services.AddSingleton<Privacy.ExportService>();
        services.TryAddSingleton<Privacy.IRetainedMessages>(Privacy.NoRetainedMessages.Instance);
        services.AddSingleton<Privacy.ErasureService>();
        services.AddSingleton<Privacy.AuditService>();
        services.AddOptions<Access.AdminOptions>().BindConfiguration(Access.AdminOptions.Section);
        services.TryAddSingleton<Privacy.MasterKeys>(); // a host may build it with its key wrapper first
        services.AddSingleton<Privacy.PersonalDataProtector>();
        services.AddOptions<Privacy.PrivacyOptions>()
            .BindConfiguration(Privacy.PrivacyOptions.Section)
            .Validate(o => string.IsNullOrEmpty(o.MasterKey) || (Convert.TryFromBase64String(o.MasterKey, new byte[64], out var length) && length == 32), "Cdp:Privacy:MasterKey: 32 bytes in base64.")
            .ValidateOnStart();
        services.AddOptions<IngestOptions>()
            .BindConfiguration(IngestOptions.Section)
            .Validate(o => o.ConcurrentGroups >= 1, "Cdp:Ingest:ConcurrentGroups must be 1 or more.")
            .ValidateOnStart();
        services.AddOptions<ConsentOptions>()
            .BindConfiguration(ConsentOptions.Section)
            .Validate(o => o.Purposes.Length > 0 && o.Purposes.All(p => !string.IsNullOrWhiteSpace(p)), "Cdp:Consent:Purposes: at least one purpose, none empty.")
            .ValidateOnStart();
        return services;
    }

    /// <summary>
    /// Registers real-time segmentation: the segment catalog and service, and the evaluator as a profile change
    /// subscriber. The segment ports (<see cref="ISegmentStore"/>, <see cref="ISegmentTransitions"/>,
    /// <see cref="ISegmentSchedule"/>, <see cref="IProfileCatalog"/>) come from an adapter.
    /// </summary>
    public static IServiceCollection AddCdpSegments(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(SegmentEvaluator)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SegmentCatalog>();
        services.AddSingleton<SegmentFailures>();
        services.AddSingleton<SegmentService>();
        services.AddSingleton<SegmentPreviewer>();
        services.AddSingleton<SegmentEvaluator>();
        services.AddSingleton<SegmentJobs>();
        services.AddSingleton<IProfileChangeSubscriber>(sp => sp.GetRequiredService<SegmentEvaluator>());
        return services;
    }

    /// <summary>
    /// Registers journeys: the catalog, the service, the activities' domain and the triggers as a profile change
    /// subscriber, and binds <see cref="JourneyOptions"/> (<c>Cdp:Journeys</c>). The journey ports
    /// (<see cref="IJourneyStore"/>, <see cref="IJourneyInstances"/>) come from an adapter; the runtime from the host.
    /// </summary>
    public static IServiceCollection AddCdpJourneys(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(JourneyTriggers)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<JourneyOptions>().BindConfiguration(JourneyOptions.Section);
        services.AddSingleton<JourneyCatalog>();
        services.AddSingleton<JourneyService>();
        services.AddSingleton<JourneyActivities>();
        JourneyActions.Register(services);
        services.AddSingleton<JourneyDryRun>();
        services.AddSingleton<JourneyTriggers>();
        services.AddSingleton<IProfileChangeSubscriber>(sp => sp.GetRequiredService<JourneyTriggers>());
        return services;
    }
}
