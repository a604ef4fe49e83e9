namespace Cdp.Azure;

/// <summary>
/// The names of the settings the cloud adapters and triggers read: one name everywhere (code, host.json,
/// Bicep, local.settings.sample.json).
/// </summary>
public static class AzureSettings
{
    /// <summary>Connection prefix for Event Hubs: <c>EventHubConnection__fullyQualifiedNamespace</c>.</summary>
    public const string EventHubConnection = "EventHubConnection";

    /// <summary>Connection prefix for Cosmos DB: <c>CosmosConnection__accountEndpoint</c>.</summary>
    public const string CosmosConnection = "CosmosConnection";

    /// <summary>
    /// The Key Vault key that wraps the master keys (identity-based: <c>KeyVaultKey__keyUri</c>, the key's URI without a
    /// version, and <c>KeyVaultKey__clientId</c>); the app's identity needs its wrapKey and unwrapKey operations.
    /// </summary>
    public const string KeyVaultKey = "KeyVaultKey";

    /// <summary>Connection prefix for the dead-letter blobs: <c>DeadLetterStorage__blobServiceUri</c>.</summary>
    public const string DeadLetterStorage = "DeadLetterStorage";

    public const string DeadLetterContainer = "CDP_DEADLETTER_CONTAINER";
    public const string EventHubName = "CDP_EVENTHUB_NAME";
    public const string EventHubConsumerGroup = "CDP_EVENTHUB_CONSUMER_GROUP";
    public const string CosmosDatabase = "CDP_COSMOS_DATABASE";
    public const string IdentitiesContainer = "CDP_COSMOS_IDENTITIES_CONTAINER";
    public const string ProfilesContainer = "CDP_COSMOS_PROFILES_CONTAINER";
    public const string LeasesContainer = "CDP_COSMOS_LEASES_CONTAINER";
    public const string MessagesContainer = "CDP_COSMOS_MESSAGES_CONTAINER";
    public const string LedgerContainer = "CDP_COSMOS_LEDGER_CONTAINER";
    public const string EventsContainer = "CDP_COSMOS_EVENTS_CONTAINER";
    public const string SegmentsContainer = "CDP_COSMOS_SEGMENTS_CONTAINER";
    public const string SegmentMembershipContainer = "CDP_COSMOS_SEGMENT_MEMBERSHIP_CONTAINER";
    public const string SegmentScheduleContainer = "CDP_COSMOS_SEGMENT_SCHEDULE_CONTAINER";
    public const string JourneysContainer = "CDP_COSMOS_JOURNEYS_CONTAINER";
    public const string JourneyInstancesContainer = "CDP_COSMOS_JOURNEY_INSTANCES_CONTAINER";
    public const string SourcesContainer = "CDP_COSMOS_SOURCES_CONTAINER";
    public const string ActivityContainer = "CDP_COSMOS_ACTIVITY_CONTAINER";
    public const string ImportsContainer = "CDP_COSMOS_IMPORTS_CONTAINER";
    public const string DestinationsContainer = "CDP_COSMOS_DESTINATIONS_CONTAINER";
    public const string DestinationStatusContainer = "CDP_COSMOS_DESTINATION_STATUS_CONTAINER";

    /// <summary>The Event Hubs consumer group event destinations read with (their own checkpoints, apart from ingest's).</summary>
    public const string EventHubDestinationsConsumerGroup = "CDP_EVENTHUB_DESTINATIONS_CONSUMER_GROUP";

    /// <summary>The Functions host's storage (<c>AzureWebJobsStorage</c>, identity-based: <c>__blobServiceUri</c>), where the Event Hubs trigger keeps its checkpoints.</summary>
    public const string HostStorage = "AzureWebJobsStorage";
    public const string ErasuresContainer = "CDP_COSMOS_ERASURES_CONTAINER";
    public const string DataKeysContainer = "CDP_COSMOS_DATA_KEYS_CONTAINER";
    public const string AuditContainer = "CDP_COSMOS_AUDIT_CONTAINER";
    public const string TaskHub = "CDP_TASKHUB";
}
