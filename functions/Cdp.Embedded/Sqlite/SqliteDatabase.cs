using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cdp.Embedded.Sqlite;

/// <summary>
/// The one embedded database file (WAL mode): opens pooled connections and creates the schema on first use.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private const int SchemaVersion = 8;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS event_records (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            partition INTEGER NOT NULL,
            count INTEGER NOT NULL,
            body TEXT NOT NULL,
            appended_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS event_records_by_partition ON event_records (partition, seq);
        CREATE TABLE IF NOT EXISTS checkpoints (
            consumer TEXT NOT NULL,
            partition INTEGER NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (consumer, partition));
        CREATE TABLE IF NOT EXISTS identities (
            id TEXT PRIMARY KEY,
            profile_id TEXT NOT NULL,
            claimed_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS profiles (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS profile_changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            profile_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS profile_changes_by_profile ON profile_changes (profile_id, seq);
        CREATE TABLE IF NOT EXISTS processed_messages (
            key TEXT PRIMARY KEY,
            processed_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS processed_messages_by_time ON processed_messages (processed_at);
        CREATE TABLE IF NOT EXISTS ledger (
            id TEXT PRIMARY KEY,
            profile_id TEXT NOT NULL,
            at TEXT NOT NULL,
            body TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ledger_by_profile ON ledger (profile_id, at);
        CREATE TABLE IF NOT EXISTS profile_events (
            profile_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            at TEXT NOT NULL,
            body TEXT NOT NULL,
            recorded_at TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (profile_id, message_id));
        CREATE INDEX IF NOT EXISTS profile_events_by_time ON profile_events (profile_id, at);
        CREATE TABLE IF NOT EXISTS segments (
            id TEXT PRIMARY KEY,
            tag INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS segment_transitions (
            id TEXT PRIMARY KEY,
            segment_id TEXT NOT NULL,
            at TEXT NOT NULL,
            body TEXT NOT NULL,
            recorded_at TEXT NOT NULL DEFAULT '');
        CREATE INDEX IF NOT EXISTS segment_transitions_by_segment ON segment_transitions (segment_id, at);
        CREATE TABLE IF NOT EXISTS segment_members (
            segment_id TEXT NOT NULL,
            profile_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            member INTEGER NOT NULL,
            PRIMARY KEY (segment_id, profile_id));
        CREATE TABLE IF NOT EXISTS segment_counts (
            segment_id TEXT PRIMARY KEY,
            members INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS segment_schedule (
            profile_id TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (profile_id, at));
        CREATE INDEX IF NOT EXISTS segment_schedule_by_time ON segment_schedule (at);
        CREATE TABLE IF NOT EXISTS journeys (
            id TEXT PRIMARY KEY,
            tag INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS sources (
            id TEXT PRIMARY KEY,
            tag INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS destinations (
            id TEXT PRIMARY KEY,
            tag INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS destination_status (
            id TEXT PRIMARY KEY,
            tag INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS imports (
            id TEXT PRIMARY KEY,
            tag INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS activity (
            minute TEXT NOT NULL,
            instance TEXT NOT NULL,
            collected INTEGER NOT NULL,
            applied INTEGER NOT NULL,
            merged INTEGER NOT NULL,
            dead_lettered INTEGER NOT NULL,
            PRIMARY KEY (minute, instance));
        CREATE TABLE IF NOT EXISTS journey_instances (
            instance_id TEXT PRIMARY KEY,
            journey_id TEXT NOT NULL,
            profile_id TEXT NOT NULL,
            status TEXT NOT NULL,
            tag INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS journey_instances_by_journey ON journey_instances (journey_id, instance_id);
        CREATE INDEX IF NOT EXISTS journey_instances_by_profile ON journey_instances (journey_id, profile_id);
        CREATE INDEX IF NOT EXISTS journey_instances_by_person ON journey_instances (profile_id);
        CREATE TABLE IF NOT EXISTS erasures (
            id TEXT PRIMARY KEY,
            tag INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS data_keys (
            profile_id TEXT PRIMARY KEY,
            wrapped BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS audit (
            id TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            profile_id TEXT,
            body TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS audit_by_time ON audit (at);
        CREATE INDEX IF NOT EXISTS audit_by_profile ON audit (profile_id, at);
        CREATE TABLE IF NOT EXISTS dead_letters (
            id TEXT PRIMARY KEY,
            stage TEXT NOT NULL,
            source_id TEXT,
            reason TEXT NOT NULL,
            body TEXT NOT NULL,
            at TEXT NOT NULL,
            message_id TEXT);
        """;

    private readonly string _connectionString;

    // SQLite has one writer at a time. Writers queue here, in process, rather than in SQLite's busy
    // handler, which sleeps in growing steps and wrecks latency under load.
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public SqliteDatabase(IOptions<EmbeddedOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.Value.DatabasePath;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        OwnerOnly(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        Path = path;
        Initialize();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens a pooled connection for reading; the caller disposes it (which returns it to the pool). In WAL
    /// mode readers never wait for the writer. Writes go through <see cref="Write{T}"/>.
    /// </summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction, committed when it returns.</summary>
    public T Write<T>(Func<SqliteTransaction, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        _writeLock.Wait();
        try
        {
            using var connection = Open();
            using (var pragma = connection.CreateCommand())
            {
                // WAL with synchronous=NORMAL: a commit survives a process crash; fsync happens at checkpoints.
                // secure_delete: what a write deletes or overwrites is zeroed in its page, not left readable in free
                // space (an erased person's values; the write-ahead log is emptied when an erasure completes).
                pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;";
                pragma.ExecuteNonQuery();
            }

            using var transaction = connection.BeginTransaction();
            var result = work(transaction);
            transaction.Commit();
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Copies every committed page into the database file and truncates the write-ahead log to zero bytes, so that
    /// the older page images it holds (values deleted since) are gone from disk; false when readers kept it from
    /// finishing (the log is then emptied at a later checkpoint). Run when an erasure completes.
    /// </summary>
    public bool TruncateLog()
    {
        _writeLock.Wait();
        try
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            using var reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt64(0) == 0;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose() => _writeLock.Dispose();

    /// <summary>
    /// The database holds personal data: its file is readable by its owner only (0600, like the key files), created so
    /// before SQLite first opens it, which gives its WAL and shared-memory files the same mode.
    /// </summary>
    private static void OwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (!File.Exists(path))
        {
            using (File.Create(path))
            {
            }
        }

        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (File.Exists(file))
            {
                File.SetUnixFileMode(file, mode);
            }
        }
    }

    private void Initialize()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'segment_counts'";
        var counted = command.ExecuteScalar() is not 0L;
        command.CommandText = Schema;
        command.ExecuteNonQuery();

        // Schema 8 keeps each segment's member count (segment_counts) as transitions are recorded: a folder from
        // before counts its members once, here.
        if (!counted)
        {
            command.CommandText = "INSERT INTO segment_counts (segment_id, members) SELECT segment_id, SUM(member) FROM segment_members GROUP BY segment_id";
            command.ExecuteNonQuery();
        }

        // Schema 5 added profile_events.recorded_at (for retention); a folder from before gets the column, its
        // old events an empty time, which expires them at the first pruning.
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('profile_events') WHERE name = 'recorded_at'";
        if (command.ExecuteScalar() is 0L)
        {
            command.CommandText = "ALTER TABLE profile_events ADD COLUMN recorded_at TEXT NOT NULL DEFAULT ''";
            command.ExecuteNonQuery();
        }

        // Schema 8 added segment_transitions.recorded_at (for retention); a folder from before counts its transitions as
        // recorded when they happened.
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('segment_transitions') WHERE name = 'recorded_at'";
        if (command.ExecuteScalar() is 0L)
        {
            command.CommandText = "ALTER TABLE segment_transitions ADD COLUMN recorded_at TEXT NOT NULL DEFAULT ''; UPDATE segment_transitions SET recorded_at = at;";
            command.ExecuteNonQuery();
        }

        command.CommandText = $"""
            CREATE INDEX IF NOT EXISTS profile_events_by_recorded ON profile_events (recorded_at);
            CREATE INDEX IF NOT EXISTS segment_transitions_by_recorded ON segment_transitions (recorded_at);
            PRAGMA user_version = {SchemaVersion};
            """;
        command.ExecuteNonQuery();
    }
}
