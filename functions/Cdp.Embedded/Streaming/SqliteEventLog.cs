using System.Globalization;
using System.Text;
using System.Text.Json;
using Cdp.Core.Events;
using Cdp.Core.Streaming;
using Cdp.Embedded.Sqlite;
using Microsoft.Extensions.Options;

namespace Cdp.Embedded.Streaming;

/// <summary>
/// The embedded event stream: an append-only log in SQLite, split into partitions by the message's
/// partition key, with a checkpoint per consumer and partition.
/// </summary>
/// <remarks>
/// Order is kept within a partition. A consumer reads after its checkpoint and checkpoints after handling,
/// so a crash in between redelivers (at least once). Appends are durable when <see cref="PublishAsync"/>
/// returns; a batch is appended in one transaction.
/// </remarks>
public sealed class SqliteEventLog(SqliteDatabase database, IOptions<EmbeddedOptions> options, TimeProvider time) : IEventStream
{
    private readonly int _partitions = Math.Max(1, options.Value.Partitions);

    /// <summary>Signalled after every append.</summary>
    public ChangeSignal Appended { get; } = new();

    public int PartitionCount => _partitions;

    public Task PublishAsync(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using (var connection = database.Open())
        using (var transaction = connection.BeginTransaction())
        {
            var appendedAt = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
            foreach (var message in messages)
            {
                using var insert = connection.Command(
                    "INSERT INTO events (partition, partition_key, message_id, body, appended_at) VALUES ($partition, $key, $id, $body, $at)",
                    ("$partition", PartitionOf(message.PartitionKey)),
                    ("$key", message.PartitionKey),
                    ("$id", message.MessageId),
                    ("$body", JsonSerializer.Serialize(message, CdpJson.Options)),
                    ("$at", appendedAt));
                insert.Transaction = transaction;
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        Appended.Notify();
        return Task.CompletedTask;
    }

    /// <summary>Up to <paramref name="maxCount"/> messages of <paramref name="partition"/> after <paramref name="consumer"/>'s checkpoint.</summary>
    public Task<EventLogBatch> ReadAsync(string consumer, int partition, int maxCount, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        var after = Checkpoints.Read(connection, consumer, partition);
        using var select = connection.Command(
            "SELECT seq, body FROM events WHERE partition = $partition AND seq > $after ORDER BY seq LIMIT $max",
            ("$partition", partition),
            ("$after", after),
            ("$max", maxCount));
        using var reader = select.ExecuteReader();
        var messages = new List<Message>();
        var position = after;
        while (reader.Read())
        {
            position = reader.GetInt64(0);
            messages.Add(JsonSerializer.Deserialize<Message>(reader.GetString(1), CdpJson.Options)
                ?? throw new InvalidDataException($"Event {position} of the embedded log is empty."));
        }

        return Task.FromResult(new EventLogBatch(partition, messages, position));
    }

    /// <summary>Moves <paramref name="consumer"/>'s checkpoint on <see cref="EventLogBatch.Partition"/> past the batch.</summary>
    public Task CheckpointAsync(string consumer, EventLogBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var connection = database.Open();
        Checkpoints.Write(connection, consumer, batch.Partition, batch.Position);
        return Task.CompletedTask;
    }

    /// <summary>FNV-1a over the key's UTF-8 bytes: stable across processes and versions (unlike string.GetHashCode).</summary>
    internal int PartitionOf(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (int)(hash % (uint)_partitions);
    }
}

/// <summary>Messages read from one partition, and the position to checkpoint once they are handled.</summary>
public sealed record EventLogBatch(int Partition, IReadOnlyList<Message> Messages, long Position);
