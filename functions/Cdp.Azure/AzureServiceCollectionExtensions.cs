using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Azure.Storage.Blobs;
using Cdp.Azure.Storage;
using Cdp.Azure.Cosmos;
using Cdp.Azure.EventHubs;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Core.Journeys;
using Cdp.Core.Segments;
using Cdp.Core.Streaming;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cdp.Azure;

public static class AzureServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Azure adapters for the Core ports: one <see cref="CosmosClient"/> and one
    /// <see cref="EventHubProducerClient"/> per process, from the host's <c>IConfiguration</c>, identity-based
    /// unless a connection string is set (emulators only).
    /// </summary>
    public static IServiceCollection AddCdpAzure(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(CosmosClient)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => CreateCosmosClient(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp => CreateProducer(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<IEventStream, EventHubsEventStream>();
        services.AddSingleton<Core.ITransientFailureRule, AzureTransientFailures>();
        services.AddSingleton<IIdentityIndex>(sp => new CosmosIdentityIndex(
            ContainerFor(sp, CosmosContainers.Identities),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new CosmosProfileStore(ContainerFor(sp, CosmosContainers.Profiles), sp.GetService<Core.Privacy.PersonalDataProtector>()));
        services.AddSingleton<IProfileStore>(sp => sp.GetRequiredService<CosmosProfileStore>());
        services.AddSingleton<IProfileCatalog>(sp => sp.GetRequiredService<CosmosProfileStore>());
        services.AddSingleton(sp => new CosmosSegments(
            ContainerFor(sp, CosmosContainers.Segments),
            ContainerFor(sp, CosmosContainers.SegmentMembership),
            ContainerFor(sp, CosmosContainers.SegmentSchedule),
            ICosmosBatches.Transactional,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ISegmentStore>(sp => sp.GetRequiredService<CosmosSegments>());
        services.AddSingleton<ISegmentTransitions>(sp => sp.GetRequiredService<CosmosSegments>());
        services.AddSingleton<ISegmentSchedule>(sp => sp.GetRequiredService<CosmosSegments>());
        services.AddSingleton(sp => new CosmosJourneys(ContainerFor(sp, CosmosContainers.Journeys), ContainerFor(sp, CosmosContainers.JourneyInstances)));
        services.AddSingleton<IJourneyStore>(sp => sp.GetRequiredService<CosmosJourneys>());
        services.AddSingleton<IJourneyInstances>(sp => sp.GetRequiredService<CosmosJourneys>());
        services.AddSingleton<Core.Sources.ISourceStore>(sp => new CosmosSources(ContainerFor(sp, CosmosContainers.Sources)));
        services.AddSingleton<Core.Activity.IActivityStore>(sp => new CosmosActivity(ContainerFor(sp, CosmosContainers.Activity)));
        services.AddSingleton<Core.Importing.IImportStore>(sp => new CosmosImports(ContainerFor(sp, CosmosContainers.Imports)));
        services.AddSingleton<Core.Destinations.IDestinationStore>(sp => new CosmosDestinations(ContainerFor(sp, CosmosContainers.Destinations), ContainerFor(sp, CosmosContainers.DestinationStatus)));
        services.AddSingleton(sp => new CosmosPrivacy(ContainerFor(sp, CosmosContainers.Erasures), ContainerFor(sp, CosmosContainers.DataKeys)));
        services.AddSingleton<Core.Privacy.IErasureStore>(sp => sp.GetRequiredService<CosmosPrivacy>());
        services.AddSingleton<Core.Privacy.IDataKeyStore>(sp => sp.GetRequiredService<CosmosPrivacy>());
        services.AddSingleton(sp => new Core.Privacy.MasterKeys(
            sp.GetRequiredService<Core.Privacy.IDataKeyStore>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Core.Privacy.PrivacyOptions>>(),
            KeyWrapperFor(sp.GetRequiredService<IConfiguration>()),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Core.Privacy.IAuditLog>(sp => new CosmosAuditLog(ContainerFor(sp, CosmosContainers.Audit)));
        services.AddSingleton<IIdentityLedger>(sp => new CosmosIdentityLedger(
            ContainerFor(sp, CosmosContainers.Ledger)));
        services.AddSingleton<IProfileEventStore>(sp => new CosmosProfileEventStore(
            ContainerFor(sp, CosmosContainers.Events)));
        // The processed-message log only when a container is named for it (each message then costs a read and a
        // create); otherwise repeats are told by each profile's memory of its recent messages.
        services.AddSingleton<IProcessedMessageLog>(sp =>
            string.IsNullOrWhiteSpace(sp.GetRequiredService<IConfiguration>()[AzureSettings.MessagesContainer])
                ? NoProcessedMessageLog.Instance
                : new CosmosProcessedMessageLog(ContainerFor(sp, CosmosContainers.Messages)));
        services.AddSingleton<IDeadLetterStore>(sp => new BlobDeadLetterStore(CreateDeadLetterContainer(sp.GetRequiredService<IConfiguration>())));
        return services;
    }

    /// <summary>
    /// The Function App's consumers for the status API: the Event Hubs consumer groups (ingest, destinations) against
    /// the host's checkpoints, and the change-feed processors (profile changes, audience destinations) through Cosmos
    /// DB's estimator. Clients are made when the status is first asked for.
    /// </summary>
    public static IServiceCollection AddCdpAzureStatus(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<Core.Status.IConsumerStatusSource>(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            var hub = configuration[AzureSettings.EventHubName] ?? throw new InvalidOperationException($"The setting '{AzureSettings.EventHubName}' is required.");
            var connectionString = configuration[AzureSettings.EventHubConnection];
            var fullyQualifiedNamespace = string.IsNullOrWhiteSpace(connectionString)
                ? AzureConnections.Required(configuration, AzureSettings.EventHubConnection, "fullyQualifiedNamespace")
                : global::Azure.Messaging.EventHubs.EventHubsConnectionStringProperties.Parse(connectionString).FullyQualifiedNamespace;
            var consumer = string.IsNullOrWhiteSpace(connectionString)
                ? new EventHubConsumerClient(EventHubConsumerClient.DefaultConsumerGroupName, fullyQualifiedNamespace, hub, AzureConnections.CredentialFor(configuration, AzureSettings.EventHubConnection))
                : new EventHubConsumerClient(EventHubConsumerClient.DefaultConsumerGroupName, connectionString, hub);
            var storage = configuration[AzureSettings.HostStorage];
            var checkpoints = string.IsNullOrWhiteSpace(storage)
                ? new BlobServiceClient(new Uri(AzureConnections.Required(configuration, AzureSettings.HostStorage, "blobServiceUri")), AzureConnections.CredentialFor(configuration, AzureSettings.HostStorage)).GetBlobContainerClient(EventHubsConsumerStatus.CheckpointContainer)
                : new BlobContainerClient(storage, EventHubsConsumerStatus.CheckpointContainer);
            return new EventHubsConsumerStatus(consumer, fullyQualifiedNamespace, hub, checkpoints, [
                ("ingest", configuration[AzureSettings.EventHubConsumerGroup] ?? "ingest"),
                ("destinations:events", configuration[AzureSettings.EventHubDestinationsConsumerGroup] ?? "destinations"),
            ], sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<Core.Status.IConsumerStatusSource>(sp => new CosmosChangeFeedStatus(
            ContainerFor(sp, CosmosContainers.Profiles),
            ContainerFor(sp, CosmosContainers.Leases),
            [("profile-changes", Cdp.Azure.Cosmos.ChangeFeedProcessors.ProfileChanges), ("destinations:audiences", Cdp.Azure.Cosmos.ChangeFeedProcessors.Destinations)]));
        return services;
    }

    /// <summary>
    /// The Cosmos DB client: <c>CosmosConnection</c> as a connection string when set (emulators only), else
    /// <c>CosmosConnection__accountEndpoint</c> with a token credential.
    /// </summary>
    /// <summary>The Key Vault key that wraps the master keys (<c>KeyVaultKey__keyUri</c>, identity-based); null when none is set.</summary>
    public static Core.Privacy.IKeyWrapper? KeyWrapperFor(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(AzureSettings.KeyVaultKey)["keyUri"] is { Length: > 0 } keyUri
            ? new KeyVault.KeyVaultKeyWrapper(new Uri(keyUri), AzureConnections.CredentialFor(configuration, AzureSettings.KeyVaultKey))
            : null;
    }

    public static CosmosClient CreateCosmosClient(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[AzureSettings.CosmosConnection];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new CosmosClient(connectionString, CreateCosmosClientOptions(emulator: true));
        }

        var endpoint = AzureConnections.Required(configuration, AzureSettings.CosmosConnection, "accountEndpoint");
        return new CosmosClient(endpoint, AzureConnections.CredentialFor(configuration, AzureSettings.CosmosConnection), CreateCosmosClientOptions(emulator: false));
    }

    /// <summary>
    /// The client options: System.Text.Json with the project's settings, 429s retried explicitly (up to 9
    /// times within 30 s), no content echoed on writes, every request's charge recorded
    /// (<see cref="CosmosUsage"/>). Emulators are reached in Gateway mode on the endpoint given (they
    /// advertise addresses that are not reachable from here).
    /// </summary>
    public static CosmosClientOptions CreateCosmosClientOptions(bool emulator) => new()
    {
        CustomHandlers = { new CosmosUsage.Handler() },
        ApplicationName = "cdp",
        UseSystemTextJsonSerializerWithOptions = CdpJson.Options,
        MaxRetryAttemptsOnRateLimitedRequests = 9,
        MaxRetryWaitTimeOnRateLimitedRequests = TimeSpan.FromSeconds(30),
        EnableContentResponseOnWrite = false,
        ConnectionMode = emulator ? ConnectionMode.Gateway : ConnectionMode.Direct,
        LimitToEndpoint = emulator,
    };

    public static EventHubProducerClient CreateProducer(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var hub = configuration[AzureSettings.EventHubName]
            ?? throw new InvalidOperationException($"The setting '{AzureSettings.EventHubName}' is required.");
        var connectionString = configuration[AzureSettings.EventHubConnection];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new EventHubProducerClient(connectionString, hub);
        }

        var fullyQualifiedNamespace = AzureConnections.Required(configuration, AzureSettings.EventHubConnection, "fullyQualifiedNamespace");
        return new EventHubProducerClient(fullyQualifiedNamespace, hub, AzureConnections.CredentialFor(configuration, AzureSettings.EventHubConnection));
    }

    /// <summary>
    /// The dead-letter container: <c>DeadLetterStorage</c> as a connection string when set (Azurite), else
    /// <c>DeadLetterStorage__blobServiceUri</c> with a token credential; the name from
    /// <c>CDP_DEADLETTER_CONTAINER</c> (default <c>deadletters</c>).
    /// </summary>
    public static BlobContainerClient CreateDeadLetterContainer(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var name = configuration[AzureSettings.DeadLetterContainer] ?? "deadletters";
        var connectionString = configuration[AzureSettings.DeadLetterStorage];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new BlobContainerClient(connectionString, name);
        }

        var serviceUri = new Uri(AzureConnections.Required(configuration, AzureSettings.DeadLetterStorage, "blobServiceUri"));
        return new BlobServiceClient(serviceUri, AzureConnections.CredentialFor(configuration, AzureSettings.DeadLetterStorage)).GetBlobContainerClient(name);
    }

    private static Container ContainerFor(IServiceProvider services, CosmosContainer container)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var database = configuration[AzureSettings.CosmosDatabase]
            ?? throw new InvalidOperationException($"The setting '{AzureSettings.CosmosDatabase}' is required.");
        return services.GetRequiredService<CosmosClient>().GetContainer(database, configuration[container.Setting] ?? container.DefaultName);
    }
}
