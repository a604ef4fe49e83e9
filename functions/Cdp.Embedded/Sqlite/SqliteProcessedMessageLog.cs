using Cdp.Core.Ingest;

namespace Cdp.Embedded.Sqlite;

/// <summary>The processed-message log in SQLite; <see cref="PruneAsync"/> forgets entries past the retention.</summary>
public sealed class SqliteProcessedMessageLog(SqliteDatabase database) : IProcessedMessageLog
{
    public Task<IReadOnlySet<string>> FindAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return Task.FromResult<IReadOnlySet<string>>(found);
        }

        using var connection = database.Open();
        var names = keys.Select((_, i) => $"$k{i}").ToArray();
        using var select = connection.Command(
            $"SELECT key FROM processed_messages WHERE key IN ({string.Join(", ", names)})",
            [.. keys.Select((key, i) => (names[i], (object?)key))]);
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            found.Add(reader.GetString(0));
        }

        return Task.FromResult<IReadOnlySet<string>>(found);
    }

    public Task AddAsync(IReadOnlyCollection<string> keys, DateTimeOffset processedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        database.Write(transaction =>
        {
            using var insert = transaction.Command(
                "INSERT INTO processed_messages (key, processed_at) VALUES ($key, $at) ON CONFLICT (key) DO NOTHING",
                ("$key", string.Empty),
                ("$at", SqliteTime.Format(processedAt)));
            foreach (var key in keys)
            {
                insert.Parameters["$key"].Value = key;
                insert.ExecuteNonQuery();
            }

            return keys.Count;
        });
        return Task.CompletedTask;
    }

    /// <summary>Deletes entries processed before <paramref name="before"/>; returns how many.</summary>
    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        Task.FromResult(database.Delete("DELETE FROM processed_messages WHERE processed_at < $before", ("$before", SqliteTime.Format(before))));
}
