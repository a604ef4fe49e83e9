using Cdp.Core.Ingest;
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
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));

    public IOptions<EmbeddedOptions> Options { get; }

    public SqliteDatabase Database { get; }

    public SqliteEventLog Log { get; }

    public SqliteIdentityIndex Identities { get; }

    public SqliteProfileStore Profiles { get; }

    public IngestService Ingest => new(Identities, Profiles, NullLogger<IngestService>.Instance);

    /// <summary>A new store over the same data folder, as after a process restart.</summary>
    public EmbeddedStore Reopen()
    {
        SqliteConnection.ClearAllPools();
        return new EmbeddedStore(Options.Value.DataDirectory, Options.Value.Partitions);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (_ownsDirectory && Directory.Exists(Options.Value.DataDirectory))
        {
            Directory.Delete(Options.Value.DataDirectory, recursive: true);
        }
    }
}
