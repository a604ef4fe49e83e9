using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing.Contracts;
using Cdp.Testing.InMemory;

namespace Cdp.Core.Tests.Identity;

// The in-memory ports the domain tests and the benchmark use pass the same contracts as the real adapters.
public sealed class InMemoryIdentityIndexContractTests : IdentityIndexContract
{
    protected override IIdentityIndex Index { get; } = new InMemoryStores();
}

public sealed class InMemoryProfileStoreContractTests : ProfileStoreContract
{
    protected override IProfileStore Store { get; } = new InMemoryStores { MaxDocumentBytes = ProfileDocument.MaxStoredBytes };
}

public sealed class InMemoryIdentityLedgerContractTests : IdentityLedgerContract
{
    protected override IIdentityLedger Ledger { get; } = new InMemoryStores();
}

public sealed class InMemoryProfileEventStoreContractTests : ProfileEventStoreContract
{
    protected override IProfileEventStore Events { get; } = new InMemoryStores();
}

public sealed class InMemoryProfileChangeFeedContractTests : ProfileChangeFeedContract
{
    private readonly InMemoryStores _stores = new();

    protected override IProfileStore Store => _stores;

    // Memory has no process to restart: the same stores, read again.
    protected override Cdp.Core.Changes.IProfileChangeFeed OpenFeed() => _stores;
}

public sealed class InMemorySegmentPortsContractTests : SegmentPortsContract
{
    private readonly InMemorySegments _segments = new();

    protected override Cdp.Core.Segments.ISegmentStore Store => _segments;

    protected override Cdp.Core.Segments.ISegmentTransitions Transitions => _segments;

    protected override Cdp.Core.Segments.ISegmentSchedule Schedule => _segments;
}

public sealed class InMemoryProfileCatalogContractTests : ProfileCatalogContract
{
    private readonly InMemoryStores _stores = new();

    protected override IProfileStore Store => _stores;

    protected override Cdp.Core.Segments.IProfileCatalog Catalog => _stores;
}

public sealed class InMemoryJourneyPortsContractTests : JourneyPortsContract
{
    private readonly InMemoryJourneys _journeys = new();

    protected override Cdp.Core.Journeys.IJourneyStore Store => _journeys;

    protected override Cdp.Core.Journeys.IJourneyInstances Instances => _journeys;
}

public sealed class InMemorySourceStoreContractTests : SourceStoreContract
{
    protected override Cdp.Core.Sources.ISourceStore Store { get; } = new InMemorySourceStore();
}

public sealed class InMemoryActivityStoreContractTests : ActivityStoreContract
{
    protected override Cdp.Core.Activity.IActivityStore Store { get; } = new InMemoryActivityStore();
}

public sealed class InMemoryImportStoreContractTests : ImportStoreContract
{
    protected override Cdp.Core.Importing.IImportStore Store { get; } = new InMemoryImportStore();
}

public sealed class InMemoryAuditLogContractTests : AuditLogContract
{
    protected override Cdp.Core.Privacy.IAuditLog Log { get; } = new InMemoryAuditLog();
}

public sealed class InMemoryDestinationStoreContractTests : DestinationStoreContract
{
    protected override Cdp.Core.Destinations.IDestinationStore Store { get; } = new InMemoryDestinationStore();
}
