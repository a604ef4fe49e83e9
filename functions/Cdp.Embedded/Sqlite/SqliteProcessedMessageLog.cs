using System.Globalization;
using Cdp.Core.Ingest;

namespace Cdp.Embedded.Sqlite;

/// <summary>The processed-message log in SQLite; <see cref="PruneAsync"/> forgets entries past the retention.</summary>
public sealed class SqliteProcessedMessageLog(SqliteDatabase database) : IProcessedMessageLog
{
    public Task<bool> ContainsAsync(string key, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command("SELECT 1 FROM processed_messages WHERE key = $key", ("$key", key));
        return Task.FromResult(select.ExecuteScalar() is not null);
    }

    public Task AddAsync(string key, DateTimeOffset processedAt, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var insert = connection.Command(
            "INSERT INTO processed_messages (key, processed_at) VALUES ($key, $at) ON CONFLICT (key) DO NOTHING",
            ("$key", key),
            ("$at", Format(processedAt)));
        insert.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    /// <summary>Deletes entries processed before <paramref name="before"/>; returns how many.</summary>
    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var delete = connection.Command("DELETE FROM processed_messages WHERE processed_at < $before", ("$before", Format(before)));
        return Task.FromResult(delete.ExecuteNonQuery());
    }

    // Fixed-width UTC text, so that text order is time order.
    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
}
