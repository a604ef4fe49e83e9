using Cdp.Core.Collect;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Core.Sources;
using Cdp.Embedded.Sqlite;
using Cdp.Embedded.Streaming;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Embedded.Tests;

/// <summary>
/// A real embedded store in a temporary data folder, deleted on dispose; <see cref="Reopen"/> simulates a
/// restart (the reopened store shares the folder and leaves it to its original).
/// </summary>
public sealed class EmbeddedStore : IDisposable
{
    private readonly bool _ownsDirectory;

    public EmbeddedStore(string? directory = null, int partitions = 4)
    {
        _ownsDirectory = directory is null;
        Options = Microsoft.Extensions.Options.Options.Create(new EmbeddedOptions
        {
            DataDirectory = directory ?? Path.Combine(Path.GetTempPath(), "cdp-tests", Guid.NewGuid().ToString("N")),
            Partitions = partitions,
        });
        Database = new SqliteDatabase(Options);
        Log = new SqliteEventLog(Database, Options, Time);
        Identities = new SqliteIdentityIndex(Database, Time);
        Profiles = new SqliteProfileStore(Database);
        Processed = new SqliteProcessedMessageLog(Database);
        DeadLetters = new SqliteDeadLetterStore(Database);
        Ledger = new SqliteIdentityLedger(Database);
        Events = new SqliteProfileEventStore(Database, Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));

    public IOptions<EmbeddedOptions> Options { get; }

    public SqliteDatabase Database { get; }

    public SqliteEventLog Log { get; }

    public SqliteIdentityIndex Identities { get; }

    public SqliteProfileStore Profiles { get; }

    public SqliteProcessedMessageLog Processed { get; }

    public SqliteDeadLetterStore DeadLetters { get; }

    public SqliteIdentityLedger Ledger { get; }

    public SqliteProfileEventStore Events { get; }

    public IdentityRules Rules { get; } = TestDomain.Rules();

    public MergePolicy Policy { get; } = TestDomain.Policy();

    /// <summary>The profile the index names for an identifier (type and raw value, normalized by the rules).</summary>
    public Task<string?> OwnerAsync(Identifier identifier) =>
        Identities.FindAsync(Rules.KeyOf(identifier), CancellationToken.None);

    public ProfileReader Reader => new(Rules, Identities, Profiles, Ledger, Events);

    public IngestService Ingest => IngestWith(Identities);

    /// <summary>The collection API over this store, with the given sources.</summary>
    public CollectService Collect(SourceRegistry sources) =>
        new(Log, DeadLetters, sources, Resolver(Identities), Ingest, Time, NullLogger<CollectService>.Instance);

    /// <summary>Ingest over this store, with another identity index (e.g. one that injects a fault).</summary>
    public IngestService IngestWith(IIdentityIndex index) =>
        new(Resolver(index), Policy, Ledger, Events, Processed, DeadLetters, Time, NullLogger<IngestService>.Instance);

    private IdentityResolver Resolver(IIdentityIndex index) =>
        new(Rules, Policy, index, Profiles, Ledger, NullLogger<IdentityResolver>.Instance);

    /// <summary>A new store over the same data folder, as after a process restart.</summary>
    public EmbeddedStore Reopen()
    {
        SqliteConnection.ClearAllPools();
        return new EmbeddedStore(Options.Value.DataDirectory, Options.Value.Partitions);
    }

    public void Dispose()
    {
        Log.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Database.Dispose();
        SqliteConnection.ClearAllPools();
        if (_ownsDirectory && Directory.Exists(Options.Value.DataDirectory))
        {
            Directory.Delete(Options.Value.DataDirectory, recursive: true);
        }
    }
}
