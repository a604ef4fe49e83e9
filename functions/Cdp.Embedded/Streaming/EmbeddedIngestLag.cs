using Cdp.Core.Activity;
using Cdp.Embedded.Consumers;
using Cdp.Embedded.Sqlite;

namespace Cdp.Embedded.Streaming;

/// <summary>
/// Ingest's lag on the embedded log: the messages in records after its checkpoint on each partition (a range of the
/// partition's index, so only the backlog is read), and the age of the oldest of them.
/// </summary>
public sealed class EmbeddedIngestLag(SqliteDatabase database, SqliteEventLog log, TimeProvider time) : IIngestLag
{
    public Task<IngestLag> ReadAsync(CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        long messages = 0;
        DateTimeOffset? oldest = null;
        for (var partition = 0; partition < log.PartitionCount; partition++)
        {
            using var select = connection.Command(
                "SELECT COALESCE(SUM(count), 0), MIN(appended_at) FROM event_records WHERE partition = $partition AND seq > $after AND count > 0",
                ("$partition", partition),
                ("$after", Checkpoints.Read(connection, IngestConsumer.Name, partition)));
            using var reader = select.ExecuteReader();
            reader.Read();
            messages += reader.GetInt64(0);
            if (!reader.IsDBNull(1) && SqliteTime.Parse(reader.GetString(1)) is var at && (oldest is null || at < oldest))
            {
                oldest = at;
            }
        }

        var seconds = oldest is { } first ? Math.Max(0, (time.GetUtcNow() - first).TotalSeconds) : 0;
        return Task.FromResult(new IngestLag(messages, Math.Round(seconds, 1)));
    }
}
