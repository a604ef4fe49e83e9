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

    public Task<IReadOnlyList<DeadLetter>> ListAsync(int maxCount, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command($"SELECT {Columns} FROM dead_letters ORDER BY at, id LIMIT $max", ("$max", maxCount));
        using var reader = select.ExecuteReader();
        var letters = new List<DeadLetter>();
        while (reader.Read())
        {
            letters.Add(Read(reader));
        }

        return Task.FromResult<IReadOnlyList<DeadLetter>>(letters);
    }

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
