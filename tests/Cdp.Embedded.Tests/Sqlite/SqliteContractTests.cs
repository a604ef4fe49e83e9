using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Embedded.Sqlite;
using Cdp.Testing.Contracts;

namespace Cdp.Embedded.Tests.Sqlite;

public sealed class SqliteIdentityIndexContractTests : IdentityIndexContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override IIdentityIndex Index => _store.Identities;

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteProfileStoreContractTests : ProfileStoreContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override IProfileStore Store => _store.Profiles;

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteDeadLetterStoreContractTests : DeadLetterStoreContract, IDisposable
{
    private readonly List<EmbeddedStore> _stores = [];

    protected override Task<Core.DeadLetters.IDeadLetterStore> CreateAsync()
    {
        var store = new EmbeddedStore();
        _stores.Add(store);
        return Task.FromResult<Core.DeadLetters.IDeadLetterStore>(store.DeadLetters);
    }

    public void Dispose() => _stores.ForEach(s => s.Dispose());
}

public sealed class SqliteProcessedMessageLogContractTests : ProcessedMessageLogContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Ingest.IProcessedMessageLog Log => _store.Processed;

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteIdentityLedgerContractTests : IdentityLedgerContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Identity.IIdentityLedger Ledger => _store.Ledger;

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteProfileEventStoreContractTests : ProfileEventStoreContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Profiles.IProfileEventStore Events => _store.Events;

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteProfileChangeFeedContractTests : ProfileChangeFeedContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override IProfileStore Store => _store.Profiles;

    protected override Core.Changes.IProfileChangeFeed OpenFeed() => new SqliteProfileStore(_store.Database);

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteRetentionContractTests : RetentionContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Profiles.IProfileEventStore Events => _store.Events;

    protected override Core.Ingest.IProcessedMessageLog Log => _store.Processed;

    protected override Core.Segments.ISegmentTransitions Transitions => new SqliteSegments(_store.Database, _store.Time);

    protected override DateTimeOffset Now => _store.Time.GetUtcNow();

    // The embedded expiry is the retention pruner's work: prune as it would at that time.
    protected override async Task ExpireAsync(TimeSpan elapsed)
    {
        var then = _store.Time.GetUtcNow() + elapsed;
        await _store.Processed.PruneAsync(then - Core.Ingest.IProcessedMessageLog.Retention, CancellationToken.None);
        await _store.Events.PruneAsync(then - Core.Profiles.IProfileEventStore.Retention, CancellationToken.None);
        await new SqliteSegments(_store.Database, _store.Time).PruneTransitionsAsync(then - Core.Segments.ISegmentTransitions.Retention, CancellationToken.None);
    }

    [Fact]
    public async Task DeadLetter_IsKeptForItsRetention_ThenExpires()
    {
        var now = Now;
        await _store.DeadLetters.AddAsync(new Core.DeadLetters.DeadLetter("dl-old", Core.DeadLetters.DeadLetter.CollectStage, "web", "r", "{}", now - Core.DeadLetters.IDeadLetterStore.Retention - TimeSpan.FromHours(1)), CancellationToken.None);
        await _store.DeadLetters.AddAsync(new Core.DeadLetters.DeadLetter("dl-new", Core.DeadLetters.DeadLetter.CollectStage, "web", "r", "{}", now - Core.DeadLetters.IDeadLetterStore.Retention + TimeSpan.FromHours(1)), CancellationToken.None);

        Assert.Equal(1, await _store.DeadLetters.PruneAsync(now - Core.DeadLetters.IDeadLetterStore.Retention, CancellationToken.None));

        Assert.Null(await _store.DeadLetters.GetAsync("dl-old", CancellationToken.None));
        Assert.NotNull(await _store.DeadLetters.GetAsync("dl-new", CancellationToken.None));
    }

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteSegmentPortsContractTests : SegmentPortsContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Segments.ISegmentStore Store => Segments;

    protected override Core.Segments.ISegmentTransitions Transitions => Segments;

    protected override Core.Segments.ISegmentSchedule Schedule => Segments;

    private SqliteSegments Segments => new(_store.Database, _store.Time);

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteProfileCatalogContractTests : ProfileCatalogContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override IProfileStore Store => _store.Profiles;

    protected override Core.Segments.IProfileCatalog Catalog => _store.Profiles;

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteJourneyPortsContractTests : JourneyPortsContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Journeys.IJourneyStore Store => new SqliteJourneys(_store.Database);

    protected override Core.Journeys.IJourneyInstances Instances => new SqliteJourneys(_store.Database);

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteSourceStoreContractTests : SourceStoreContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Sources.ISourceStore Store => new SqliteSources(_store.Database);

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteActivityStoreContractTests : ActivityStoreContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Activity.IActivityStore Store => new SqliteActivity(_store.Database, TimeProvider.System);

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteImportStoreContractTests : ImportStoreContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Importing.IImportStore Store => new SqliteImports(_store.Database);

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteErasureContractTests : ErasureContract, IDisposable
{
    private readonly EmbeddedStore _store = new();
    private readonly SqliteSegments _segments;
    private readonly SqlitePrivacy _privacy;

    public SqliteErasureContractTests()
    {
        _segments = new SqliteSegments(_store.Database, _store.Time);
        _privacy = new SqlitePrivacy(_store.Database);
    }

    protected override IIdentityIndex Index => _store.Identities;

    protected override Core.Identity.IIdentityLedger Ledger => _store.Ledger;

    protected override IProfileEventStore Events => _store.Events;

    protected override Core.Segments.ISegmentStore Segments => _segments;

    protected override Core.Segments.ISegmentTransitions Transitions => _segments;

    protected override Core.Journeys.IJourneyInstances Instances => new SqliteJourneys(_store.Database);

    protected override Core.Privacy.IErasureStore Erasures => _privacy;

    protected override Core.Privacy.IDataKeyStore Keys => _privacy;

    protected override Task<Core.DeadLetters.IDeadLetterStore> DeadLettersAsync() => Task.FromResult<Core.DeadLetters.IDeadLetterStore>(_store.DeadLetters);

    protected override IProfileStore Profiles(Core.Privacy.PersonalDataProtector protector) => new SqliteProfileStore(_store.Database, protector);

    /// <summary>The row of <c>profiles</c>, or else the profile's newest entry in the change log (a deletion's tombstone).</summary>
    protected override Task<string?> RawProfileAsync(string profileId)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_store.Database.Path}");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT body FROM profiles WHERE id = $id
            UNION ALL SELECT body FROM (SELECT body FROM profile_changes WHERE profile_id = $id ORDER BY seq DESC LIMIT 1)
            LIMIT 1
            """;
        select.Parameters.AddWithValue("$id", profileId);
        return Task.FromResult(select.ExecuteScalar() as string);
    }

    /// <summary>The change log keeps only the tombstone of an erased profile: no earlier version of it.</summary>
    [Fact]
    public async Task Erasure_LeavesOnlyTheTombstone_InTheChangeLog()
    {
        await Erasure_RemovesThePersonFromEveryStore_ShredsTheirKey_AndSuppressesTheirIdentifiers();
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_store.Database.Path}");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT body FROM profile_changes WHERE body NOT LIKE '%\"deleted\":true%' AND (body LIKE '%Ada Lovelace%' OR body LIKE '%ada-%')";
        Assert.Null(select.ExecuteScalar());
    }

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteAuditLogContractTests : AuditLogContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Privacy.IAuditLog Log => new SqliteAuditLog(_store.Database);

    public void Dispose() => _store.Dispose();
}

public sealed class SqliteDestinationStoreContractTests : DestinationStoreContract, IDisposable
{
    private readonly EmbeddedStore _store = new();

    protected override Core.Destinations.IDestinationStore Store => new SqliteDestinations(_store.Database);

    public void Dispose() => _store.Dispose();
}
