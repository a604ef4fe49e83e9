namespace Cdp.Azure.Cosmos;

/// <summary>
/// Every Cosmos DB container the adapters use: the setting that names it, its default name, its partition key
/// and whether its items may carry a <c>ttl</c> (TTL on, no default). Bicep creates exactly these
/// (<c>infra/modules/cosmos.bicep</c>); a test compares the two, and the test fixtures create them from here.
/// </summary>
public static class CosmosContainers
{
    public static readonly CosmosContainer Identities = new(AzureSettings.IdentitiesContainer, "identities", "/id", false);
    public static readonly CosmosContainer Profiles = new(AzureSettings.ProfilesContainer, "profiles", "/id", true);
    public static readonly CosmosContainer Leases = new(AzureSettings.LeasesContainer, "leases", "/id", false);
    public static readonly CosmosContainer Ledger = new(AzureSettings.LedgerContainer, "ledger", "/profileId", false);
    public static readonly CosmosContainer Events = new(AzureSettings.EventsContainer, "events", "/profileId", true);

    /// <summary>Optional: used only when its setting names it (docs/decisions.md).</summary>
    public static readonly CosmosContainer Messages = new(AzureSettings.MessagesContainer, "messages", "/id", true);
    public static readonly CosmosContainer Segments = new(AzureSettings.SegmentsContainer, "segments", "/id", false);
    public static readonly CosmosContainer SegmentMembership = new(AzureSettings.SegmentMembershipContainer, "segmentMembership", "/partition", true);
    public static readonly CosmosContainer SegmentSchedule = new(AzureSettings.SegmentScheduleContainer, "segmentSchedule", "/bucket", false);
    public static readonly CosmosContainer Journeys = new(AzureSettings.JourneysContainer, "journeys", "/id", false);
    public static readonly CosmosContainer JourneyInstances = new(AzureSettings.JourneyInstancesContainer, "journeyInstances", "/journeyId", false);
    public static readonly CosmosContainer Sources = new(AzureSettings.SourcesContainer, "sources", "/id", false);
    public static readonly CosmosContainer Activity = new(AzureSettings.ActivityContainer, "activity", "/day", true);
    public static readonly CosmosContainer Imports = new(AzureSettings.ImportsContainer, "imports", "/id", false);
    public static readonly CosmosContainer Destinations = new(AzureSettings.DestinationsContainer, "destinations", "/id", false);
    public static readonly CosmosContainer DestinationStatus = new(AzureSettings.DestinationStatusContainer, "destinationStatus", "/id", false);

    public static readonly CosmosContainer Erasures = new(AzureSettings.ErasuresContainer, "erasures", "/id", false);
    public static readonly CosmosContainer DataKeys = new(AzureSettings.DataKeysContainer, "dataKeys", "/id", false);

    public static readonly CosmosContainer Audit = new(AzureSettings.AuditContainer, "audit", "/day", false);

    public static IReadOnlyList<CosmosContainer> All { get; } = [Identities, Profiles, Leases, Ledger, Events, Messages, Segments, SegmentMembership, SegmentSchedule, Journeys, JourneyInstances, Sources, Activity, Imports, Destinations, DestinationStatus, Erasures, DataKeys, Audit];
}

/// <summary>One container: the setting naming it, its default name, its partition key path, whether items may expire.</summary>
public sealed record CosmosContainer(string Setting, string DefaultName, string PartitionKey, bool TimeToLive);
