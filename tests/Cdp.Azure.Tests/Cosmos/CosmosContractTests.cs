using Cdp.Azure.Cosmos;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing.Contracts;

namespace Cdp.Azure.Tests.Cosmos;

[Collection(CosmosCollection.Name)]
public sealed class CosmosIdentityIndexContractTests(CosmosStandIn cosmos) : IdentityIndexContract
{
    protected override IIdentityIndex Index { get; } = new CosmosIdentityIndex(cosmos.ContainerAsync(CosmosContainers.Identities).GetAwaiter().GetResult(), TimeProvider.System);
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosProfileStoreContractTests(CosmosStandIn cosmos) : ProfileStoreContract
{
    protected override IProfileStore Store { get; } = new CosmosProfileStore(cosmos.ContainerAsync(CosmosContainers.Profiles).GetAwaiter().GetResult());
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosProcessedMessageLogContractTests(CosmosStandIn cosmos) : ProcessedMessageLogContract
{
    protected override Core.Ingest.IProcessedMessageLog Log { get; } = new CosmosProcessedMessageLog(cosmos.ContainerAsync(CosmosContainers.Messages).GetAwaiter().GetResult());
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosIdentityLedgerContractTests(CosmosStandIn cosmos) : IdentityLedgerContract
{
    protected override IIdentityLedger Ledger { get; } = new CosmosIdentityLedger(cosmos.ContainerAsync(CosmosContainers.Ledger).GetAwaiter().GetResult());
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosProfileEventStoreContractTests(CosmosStandIn cosmos) : ProfileEventStoreContract
{
    protected override IProfileEventStore Events { get; } = new CosmosProfileEventStore(cosmos.ContainerAsync(CosmosContainers.Events).GetAwaiter().GetResult());
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosProfileChangeFeedContractTests(CosmosStandIn cosmos) : ProfileChangeFeedContract
{
    private readonly Microsoft.Azure.Cosmos.Container _profiles = cosmos.ContainerAsync("profile-feed").GetAwaiter().GetResult();
    private readonly Microsoft.Azure.Cosmos.Container _leases = cosmos.ContainerAsync(CosmosContainers.Leases).GetAwaiter().GetResult();

    protected override IProfileStore Store => new CosmosProfileStore(_profiles);

    protected override Core.Changes.IProfileChangeFeed OpenFeed() => new CosmosProfileChangeFeed(_profiles, _leases);
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosRetentionContractTests(CosmosStandIn cosmos) : RetentionContract
{
    private readonly Microsoft.Azure.Cosmos.Container _events = cosmos.ContainerAsync(CosmosContainers.Events).GetAwaiter().GetResult();
    private readonly Microsoft.Azure.Cosmos.Container _messages = cosmos.ContainerAsync(CosmosContainers.Messages).GetAwaiter().GetResult();
    private readonly Microsoft.Azure.Cosmos.Container _membership = cosmos.ContainerAsync(CosmosContainers.SegmentMembership).GetAwaiter().GetResult();

    protected override IProfileEventStore Events => new CosmosProfileEventStore(_events);

    protected override Core.Ingest.IProcessedMessageLog Log => new CosmosProcessedMessageLog(_messages);

    protected override Core.Segments.ISegmentTransitions Transitions => new CosmosSegments(
        cosmos.ContainerAsync(CosmosContainers.Segments).GetAwaiter().GetResult(),
        _membership,
        cosmos.ContainerAsync(CosmosContainers.SegmentSchedule).GetAwaiter().GetResult(),
        cosmos.Batches,
        TimeProvider.System);

    protected override DateTimeOffset Now => DateTimeOffset.UtcNow;

    protected override async Task ExpireAsync(TimeSpan elapsed)
    {
        await CosmosTimeToLive.ExpireAsync(_events, "/profileId", elapsed);
        await CosmosTimeToLive.ExpireAsync(_messages, "/id", elapsed);
        await CosmosTimeToLive.ExpireAsync(_membership, "/partition", elapsed);
    }
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosSegmentPortsContractTests(CosmosStandIn cosmos) : SegmentPortsContract
{
    private readonly CosmosSegments _segments = new(
        cosmos.ContainerAsync(CosmosContainers.Segments).GetAwaiter().GetResult(),
        cosmos.ContainerAsync(CosmosContainers.SegmentMembership).GetAwaiter().GetResult(),
        cosmos.ContainerAsync(CosmosContainers.SegmentSchedule).GetAwaiter().GetResult(),
        cosmos.Batches,
        TimeProvider.System);

    protected override Core.Segments.ISegmentStore Store => _segments;

    protected override Core.Segments.ISegmentTransitions Transitions => _segments;

    protected override Core.Segments.ISegmentSchedule Schedule => _segments;
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosProfileCatalogContractTests(CosmosStandIn cosmos) : ProfileCatalogContract
{
    private readonly CosmosProfileStore _profiles = new(cosmos.ContainerAsync("profile-catalog").GetAwaiter().GetResult());

    protected override IProfileStore Store => _profiles;

    protected override Core.Segments.IProfileCatalog Catalog => _profiles;
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosJourneyPortsContractTests(CosmosStandIn cosmos) : JourneyPortsContract
{
    private readonly CosmosJourneys _journeys = new(
        cosmos.ContainerAsync(CosmosContainers.Journeys).GetAwaiter().GetResult(),
        cosmos.ContainerAsync(CosmosContainers.JourneyInstances).GetAwaiter().GetResult());

    protected override Core.Journeys.IJourneyStore Store => _journeys;

    protected override Core.Journeys.IJourneyInstances Instances => _journeys;
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosSourceStoreContractTests(CosmosStandIn cosmos) : SourceStoreContract
{
    protected override Core.Sources.ISourceStore Store { get; } = new CosmosSources(cosmos.ContainerAsync(CosmosContainers.Sources).GetAwaiter().GetResult());
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosActivityStoreContractTests(CosmosStandIn cosmos) : ActivityStoreContract
{
    protected override Core.Activity.IActivityStore Store { get; } = new CosmosActivity(cosmos.ContainerAsync(CosmosContainers.Activity).GetAwaiter().GetResult());
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosImportStoreContractTests(CosmosStandIn cosmos) : ImportStoreContract
{
    protected override Core.Importing.IImportStore Store { get; } = new CosmosImports(cosmos.ContainerAsync(CosmosContainers.Imports).GetAwaiter().GetResult());
}

/// <summary>Erasure over the cloud adapters: Cosmos DB on the stand-in, dead letters in Azurite's blobs.</summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosErasureContractTests(CosmosStandIn cosmos, Storage.Azurite azurite) : ErasureContract, IClassFixture<Storage.Azurite>
{
    private readonly Microsoft.Azure.Cosmos.Container _profiles = cosmos.ContainerAsync(CosmosContainers.Profiles).GetAwaiter().GetResult();
    private readonly CosmosSegments _segments = new(
        cosmos.ContainerAsync(CosmosContainers.Segments).GetAwaiter().GetResult(),
        cosmos.ContainerAsync(CosmosContainers.SegmentMembership).GetAwaiter().GetResult(),
        cosmos.ContainerAsync(CosmosContainers.SegmentSchedule).GetAwaiter().GetResult(),
        cosmos.Batches,
        TimeProvider.System);

    private readonly CosmosPrivacy _privacy = new(
        cosmos.ContainerAsync(CosmosContainers.Erasures).GetAwaiter().GetResult(),
        cosmos.ContainerAsync(CosmosContainers.DataKeys).GetAwaiter().GetResult());

    protected override IIdentityIndex Index { get; } = new CosmosIdentityIndex(cosmos.ContainerAsync(CosmosContainers.Identities).GetAwaiter().GetResult(), TimeProvider.System);

    protected override IIdentityLedger Ledger { get; } = new CosmosIdentityLedger(cosmos.ContainerAsync(CosmosContainers.Ledger).GetAwaiter().GetResult());

    protected override IProfileEventStore Events { get; } = new CosmosProfileEventStore(cosmos.ContainerAsync(CosmosContainers.Events).GetAwaiter().GetResult());

    protected override Core.Segments.ISegmentStore Segments => _segments;

    protected override Core.Segments.ISegmentTransitions Transitions => _segments;

    protected override Core.Journeys.IJourneyInstances Instances { get; } = new CosmosJourneys(
        cosmos.ContainerAsync(CosmosContainers.Journeys).GetAwaiter().GetResult(),
        cosmos.ContainerAsync(CosmosContainers.JourneyInstances).GetAwaiter().GetResult());

    protected override Core.Privacy.IErasureStore Erasures => _privacy;

    protected override Core.Privacy.IDataKeyStore Keys => _privacy;

    protected override async Task<Core.DeadLetters.IDeadLetterStore> DeadLettersAsync() =>
        new Azure.Storage.BlobDeadLetterStore(await azurite.NewContainerAsync());

    protected override IProfileStore Profiles(Core.Privacy.PersonalDataProtector protector) => new CosmosProfileStore(_profiles, protector);

    protected override async Task<string?> RawProfileAsync(string profileId)
    {
        using var response = await _profiles.ReadItemStreamAsync(profileId, new Microsoft.Azure.Cosmos.PartitionKey(profileId));
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        using var reader = new StreamReader(response.Content);
        return await reader.ReadToEndAsync();
    }
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosAuditLogContractTests(CosmosStandIn cosmos) : AuditLogContract
{
    protected override Core.Privacy.IAuditLog Log { get; } = new CosmosAuditLog(cosmos.ContainerAsync(CosmosContainers.Audit).GetAwaiter().GetResult());
}

[Collection(CosmosCollection.Name)]
public sealed class CosmosDestinationStoreContractTests(CosmosStandIn cosmos) : DestinationStoreContract
{
    protected override Core.Destinations.IDestinationStore Store { get; } = new CosmosDestinations(
        cosmos.ContainerAsync(CosmosContainers.Destinations).GetAwaiter().GetResult(),
        cosmos.ContainerAsync(CosmosContainers.DestinationStatus).GetAwaiter().GetResult());
}
