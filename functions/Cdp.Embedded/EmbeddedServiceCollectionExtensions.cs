using Cdp.Core.Access;
using Cdp.Core.Changes;
using Cdp.Core.DeadLetters;
using Cdp.Core.Ingest;
using Cdp.Core.Identity;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Core.Streaming;
using Cdp.Embedded.Sqlite;
using Cdp.Embedded.Streaming;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cdp.Embedded;

public static class EmbeddedServiceCollectionExtensions
{
    /// <summary>The file in the data folder holding the webhook signing key when <c>Cdp:Journeys:WebhookSecret</c> is unset.</summary>
    public const string WebhookKeyFile = "webhook-signing-key";

    /// <summary>The file in the data folder holding the master key when <c>Cdp:Privacy:MasterKey</c> is unset (back it up with the database: without it, personal values cannot be read).</summary>
    public const string MasterKeyFile = "master-key";

    /// <summary>The file in the data folder holding the admin token when <c>CDP_ADMIN_TOKEN</c> is unset.</summary>
    public const string AdminTokenFile = "admin-token";

    /// <summary>
    /// Registers the SQLite adapters for the Core ports: event stream, identity index, profiles, change
    /// feed, processed-message log, dead letters, identity ledger, profile events, the segment ports and the journey ports. Unless
    /// <c>Cdp:Identity:HashKey</c> (<c>Cdp:Journeys:WebhookSecret</c>) is set, the index's hash key (the webhook
    /// signing key) is generated into the data folder.
    /// </summary>
    public static IServiceCollection AddCdpEmbeddedStore(this IServiceCollection services, Action<EmbeddedOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(SqliteDatabase)))
        {
            return services;
        }

        var options = services.AddOptions<EmbeddedOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<Core.ITransientFailureRule, SqliteTransientFailures>();
        services.AddSingleton<SqliteEventLog>();
        services.AddSingleton<IEventStream>(sp => sp.GetRequiredService<SqliteEventLog>());
        services.AddSingleton<Core.Privacy.IRetainedMessages>(sp => sp.GetRequiredService<SqliteEventLog>());
        services.AddSingleton<SqliteIdentityIndex>();
        services.AddSingleton<IIdentityIndex>(sp => sp.GetRequiredService<SqliteIdentityIndex>());
        services.AddSingleton<SqliteProfileStore>();
        services.AddSingleton<IProfileStore>(sp => sp.GetRequiredService<SqliteProfileStore>());
        services.AddSingleton<IProfileChangeFeed>(sp => sp.GetRequiredService<SqliteProfileStore>());
        services.AddSingleton<IProfileCatalog>(sp => sp.GetRequiredService<SqliteProfileStore>());
        services.AddSingleton<SqliteSegments>();
        services.AddSingleton<ISegmentStore>(sp => sp.GetRequiredService<SqliteSegments>());
        services.AddSingleton<ISegmentTransitions>(sp => sp.GetRequiredService<SqliteSegments>());
        services.AddSingleton<ISegmentSchedule>(sp => sp.GetRequiredService<SqliteSegments>());
        services.AddSingleton<SqliteJourneys>();
        services.AddSingleton<IJourneyStore>(sp => sp.GetRequiredService<SqliteJourneys>());
        services.AddSingleton<IJourneyInstances>(sp => sp.GetRequiredService<SqliteJourneys>());
        services.AddSingleton<Core.Sources.ISourceStore, SqliteSources>();
        services.AddSingleton<Core.Activity.IActivityStore, SqliteActivity>();
        services.AddSingleton<Core.Importing.IImportStore, SqliteImports>();
        services.AddSingleton<Core.Destinations.IDestinationStore, SqliteDestinations>();
        services.AddSingleton<Core.Activity.IIngestLag, Streaming.EmbeddedIngestLag>();
        services.AddSingleton<SqlitePrivacy>();
        services.AddSingleton<Core.Privacy.IErasureStore>(sp => sp.GetRequiredService<SqlitePrivacy>());
        services.AddSingleton<Core.Privacy.IDataKeyStore>(sp => sp.GetRequiredService<SqlitePrivacy>());
        services.AddSingleton<Core.Privacy.IAuditLog, SqliteAuditLog>();
        services.AddSingleton<SqliteProcessedMessageLog>();
        services.AddSingleton<IProcessedMessageLog>(sp => sp.GetRequiredService<SqliteProcessedMessageLog>());
        services.AddSingleton<SqliteDeadLetterStore>();
        services.AddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<SqliteDeadLetterStore>());
        services.AddSingleton<IIdentityLedger, SqliteIdentityLedger>();
        services.AddSingleton<SqliteProfileEventStore>();
        services.AddSingleton<IProfileEventStore>(sp => sp.GetRequiredService<SqliteProfileEventStore>());

        // One SQLite writer answers synchronously: groups of a batch would run one after another anyway, each with its own
        // write transactions, so one machine applies a batch as one session unless Cdp:Ingest:ConcurrentGroups says otherwise.
        services.AddOptions<IngestOptions>().Configure<IConfiguration>((ingest, configuration) =>
        {
            if (configuration[$"{IngestOptions.Section}:{nameof(IngestOptions.ConcurrentGroups)}"] is null)
            {
                ingest.ConcurrentGroups = 1;
            }
        });

        // One machine needs no operator-made secret: the identity index's hash key is generated once and kept in the data folder.
        services.AddOptions<IdentityOptions>().PostConfigure<IOptions<EmbeddedOptions>>((identity, embedded) =>
        {
            if (string.IsNullOrEmpty(identity.HashKey))
            {
                identity.HashKey = LocalSecret.ReadOrCreate(Path.Combine(Path.GetFullPath(embedded.Value.DataDirectory), "identity-hash-key"));
            }
        });

        // Likewise the admin API's bearer token on one machine, unless CDP_ADMIN_TOKEN gives one.
        services.AddOptions<AdminOptions>().Configure<IConfiguration, IOptions<EmbeddedOptions>>((admin, configuration, embedded) =>
            admin.Token = configuration[AdminOptions.TokenVariable] is { Length: > 0 } token
                ? token
                : LocalSecret.ReadOrCreate(Path.Combine(Path.GetFullPath(embedded.Value.DataDirectory), AdminTokenFile)));

        // Likewise the key journey webhooks are signed with (receivers verify with the same file's content), made when the
        // host starts, so that the file the start banner points at is there before the first webhook.
        services.AddOptions<JourneyOptions>().PostConfigure<IOptions<EmbeddedOptions>>((journeys, embedded) =>
        {
            if (string.IsNullOrEmpty(journeys.WebhookSecret))
            {
                journeys.WebhookSecret = LocalSecret.ReadOrCreate(Path.Combine(Path.GetFullPath(embedded.Value.DataDirectory), WebhookKeyFile));
            }
        }).Validate(journeys => journeys.WebhookSecret.Length > 0, "Cdp:Journeys:WebhookSecret: the key journey webhooks are signed with.").ValidateOnStart();

        // The data folder's key file wraps the master keys (generations, MasterKeys); data keys wrapped before generations
        // existed were wrapped by the same file's key directly, and are read with it as the configured master key.
        services.AddSingleton<Core.Privacy.IKeyWrapper, Privacy.FileKeyWrapper>();
        services.AddOptions<Core.Privacy.PrivacyOptions>().PostConfigure<IOptions<EmbeddedOptions>>((privacy, embedded) =>
        {
            if (string.IsNullOrEmpty(privacy.MasterKey))
            {
                privacy.MasterKey = LocalSecret.ReadOrCreate(Path.Combine(Path.GetFullPath(embedded.Value.DataDirectory), MasterKeyFile));
            }
        });
        return services;
    }
}
