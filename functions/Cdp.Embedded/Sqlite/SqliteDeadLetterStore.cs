using System.Globalization;
using Cdp.Core.DeadLetters;
using Microsoft.Data.Sqlite;

namespace Cdp.Embedded.Sqlite;

/// <summary>Dead letters in SQLite: one row per letter; writing a letter again keeps the first.</summary>
public sealed class SqliteDeadLetterStore(SqliteDatabase database) : IDeadLetterStore
{
    private const string Columns = "id, stage, source_id, reason, body, at, message_id";

    public Task AddAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        database.Write(transaction =>
        {
            using var insert = transaction.Command(
            $"INSERT INTO dead_letters ({Columns}) VALUES ($id, $stage, $source, $reason, $body, $at, $message) ON CONFLICT (id) DO NOTHING",
            ("$id", letter.Id),
            ("$stage", letter.Stage),
            ("$source", letter.SourceId),
            ("$reason", letter.Reason),
            ("$body", letter.Body),
            ("$at", letter.At.ToString("O", CultureInfo.InvariantCulture)),
            ("$message", letter.MessageId));
            return insert.ExecuteNonQuery();
        });
        return Task.CompletedTask;
    }

    public Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command($"SELECT {Columns} FROM dead_letters WHERE id = $id", ("$id", id));
        using var reader = select.ExecuteReader();
        return Task.FromResult(reader.Read() ? Read(reader) : null);
    }

    public Task<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var connection = database.Open();
        using var select = connection.Command(
            $"SELECT {Columns} FROM dead_letters WHERE id > $after AND ($stage IS NULL OR stage = $stage) AND ($source IS NULL OR source_id = $source) ORDER BY id LIMIT $max",
            ("$after", query.After ?? ""),
            ("$stage", query.Stage),
            ("$source", query.SourceId),
            ("$max", query.Max + 1));
        using var reader = select.ExecuteReader();
        var letters = new List<DeadLetter>();
        while (reader.Read())
        {
            letters.Add(Read(reader));
        }

        return Task.FromResult(letters.Count > query.Max ? new DeadLetterPage(letters[..query.Max], letters[query.Max - 1].Id) : new DeadLetterPage(letters, null));
    }

    /// <summary>The letters waiting by stage (one grouped count over the stage index; <paramref name="max"/> bounds the total).</summary>
    public Task<DeadLetterCounts> CountAsync(int max, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command("SELECT stage, COUNT(*) FROM (SELECT stage FROM dead_letters LIMIT $limit) GROUP BY stage", ("$limit", max + 1));
        using var reader = select.ExecuteReader();
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        var total = counts.Values.Sum();
        if (total > max)
        {
            // One over: take it back from the last stage counted, and say there are more.
            var last = counts.Keys.Last();
            counts[last]--;
            if (counts[last] == 0)
            {
                counts.Remove(last);
            }
        }

        return Task.FromResult(new DeadLetterCounts(counts, total > max));
    }

    /// <summary>Deletes the letters written before <paramref name="before"/> (their retention is over); returns how many.</summary>
    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        Task.FromResult(database.Delete("DELETE FROM dead_letters WHERE at < $before", ("$before", before.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture))));

    public Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        database.Delete("DELETE FROM dead_letters WHERE id = $id", ("$id", id));
        return Task.CompletedTask;
    }

    private static DeadLetter Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.GetString(3),
        reader.GetString(4),
        DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        reader.IsDBNull(6) ? null : reader.GetString(6));
}
