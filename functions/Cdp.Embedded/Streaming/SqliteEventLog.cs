using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Cdp.Core.Events;
using Cdp.Core.Privacy;
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
/// so a crash in between redelivers (at least once). Appends are committed when <see cref="PublishAsync"/>
/// returns. A publish call's messages are stored as one record per partition (a JSON array, in order),
/// and concurrent publishes are group-committed: one writer takes every append waiting at that moment
/// and writes them in one transaction, so many requests share one commit.
/// </remarks>
public sealed class SqliteEventLog : IEventStream, IRetainedMessages, IAsyncDisposable
{
    /// <summary>The most appends (publish calls) written in one transaction.</summary>
    public const int MaxGroup = 256;

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly int _partitions;
    private readonly Channel<PendingAppend> _appends = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public SqliteEventLog(SqliteDatabase database, IOptions<EmbeddedOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _time = time;
        _partitions = Math.Max(1, options.Value.Partitions);
        _writer = Task.Run(WriteAppendsAsync);
    }

    /// <summary>Signalled after every append.</summary>
    public ChangeSignal Appended { get; } = new();

    public int PartitionCount => _partitions;

    public Task PublishAsync(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return Task.CompletedTask;
        }

        // One record per partition, in the messages' order, serialized on the caller's thread.
        var rows = messages
            .GroupBy(m => PartitionOf(m.PartitionKey))
            .Select(group => new Row(group.Key, group.Count(), JsonSerializer.Serialize(group.ToList(), CdpJson.Options)))
            .ToArray();
        var pending = new PendingAppend(rows, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_appends.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(SqliteEventLog), "The event log is shut down.");
        }

        return pending.Done.Task;
    }

    /// <summary>
    /// Up to <paramref name="maxCount"/> messages of <paramref name="partition"/> after <paramref name="consumer"/>'s checkpoint;
    /// with <paramref name="notPast"/>, only those that consumer has checkpointed past too (a destination reads what ingest applied).
    /// </summary>
    public Task<EventLogBatch> ReadAsync(string consumer, int partition, int maxCount, CancellationToken cancellationToken, string? notPast = null)
    {
        using var connection = _database.Open();
        var after = Checkpoints.Read(connection, consumer, partition);
        using var select = connection.Command(
            "SELECT seq, body FROM event_records WHERE partition = $partition AND seq > $after AND seq <= $upTo ORDER BY seq LIMIT $max",
            ("$partition", partition),
            ("$after", after),
            ("$upTo", notPast is null ? long.MaxValue : Checkpoints.Read(connection, notPast, partition)),
            ("$max", maxCount));
        using var reader = select.ExecuteReader();
        var messages = new List<Message>();
        var position = after;
        // Whole records only, so that the checkpoint falls between records; stop once maxCount is reached.
        while (messages.Count < maxCount && reader.Read())
        {
            position = reader.GetInt64(0);
            messages.AddRange(JsonSerializer.Deserialize<List<Message>>(reader.GetString(1), CdpJson.Options)
                ?? throw new InvalidDataException($"Record {position} of the embedded log is empty."));
        }

        return Task.FromResult(new EventLogBatch(partition, messages, position));
    }

    /// <summary>Moves <paramref name="consumer"/>'s checkpoint on <see cref="EventLogBatch.Partition"/> past the batch.</summary>
    public Task CheckpointAsync(string consumer, EventLogBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Checkpoints.Write(_database, consumer, batch.Partition, batch.Position);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Gives <paramref name="consumer"/>, on each partition where it has no checkpoint, one before the first record appended at
    /// or after <paramref name="from"/> (a destination receives the messages accepted after it was created).
    /// </summary>
    public Task StartFromAsync(string consumer, DateTimeOffset from, CancellationToken cancellationToken)
    {
        _database.Write(transaction =>
        {
            for (var partition = 0; partition < _partitions; partition++)
            {
                using var insert = transaction.Command(
                    """
                    INSERT INTO checkpoints (consumer, partition, position)
                    VALUES ($consumer, $partition, (SELECT COALESCE(MAX(seq), 0) FROM event_records WHERE partition = $partition AND appended_at < $from))
                    ON CONFLICT (consumer, partition) DO NOTHING
                    """,
                    ("$consumer", consumer),
                    ("$partition", partition),
                    ("$from", from.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));
                insert.ExecuteNonQuery();
            }

            return 0;
        });
        return Task.CompletedTask;
    }

    /// <summary>The messages after <paramref name="consumer"/>'s checkpoints, over every partition.</summary>
    public long Backlog(string consumer) => Lag(consumer).Behind;

    /// <summary>The messages after <paramref name="consumer"/>'s checkpoints, and when the oldest of them was appended (null: none).</summary>
    public (long Behind, DateTimeOffset? Oldest) Lag(string consumer)
    {
        var partitions = PartitionLags(consumer);
        return (partitions.Sum(p => p.Behind), partitions.Min(p => p.Oldest));
    }

    /// <summary>The same per partition of the log, in partition order.</summary>
    public IReadOnlyList<(int Partition, long Behind, DateTimeOffset? Oldest)> PartitionLags(string consumer)
    {
        using var connection = _database.Open();
        var lags = new List<(int, long, DateTimeOffset?)>(_partitions);
        for (var partition = 0; partition < _partitions; partition++)
        {
            using var select = connection.Command(
                "SELECT COALESCE(SUM(count), 0), MIN(appended_at) FROM event_records WHERE partition = $partition AND seq > $after AND count > 0",
                ("$partition", partition),
                ("$after", Checkpoints.Read(connection, consumer, partition)));
            using var reader = select.ExecuteReader();
            reader.Read();
            lags.Add((partition, reader.GetInt64(0), reader.IsDBNull(1) ? null : SqliteTime.Parse(reader.GetString(1))));
        }

        return lags;
    }

    /// <summary>Removes <paramref name="consumer"/>'s checkpoints (it is gone: they would hold back pruning).</summary>
    public void Forget(string consumer) => Checkpoints.Forget(_database, consumer);

    /// <summary>A record every consumer of its partition has checkpointed past (SQL condition on <c>event_records</c>).</summary>
    private const string Consumed = "seq <= (SELECT COALESCE(MIN(c.position), 0) FROM checkpoints c WHERE c.partition = event_records.partition AND c.consumer NOT LIKE 'changes:%')";

    /// <summary>How long a consumed record is kept: as long as Event Hubs keeps events in the cloud (<c>infra/modules/eventhubs.bicep</c>).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>
    /// Removes the records appended before <paramref name="before"/> that every consumer of their partition has
    /// checkpointed past (a record nobody has read stays); how many. The log holds messages as received, personal
    /// data included, so it must not keep them for ever (an erasure relies on this).
    /// </summary>
    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        Task.FromResult(_database.Delete(
            $"""
            DELETE FROM event_records
            WHERE appended_at < $before AND {Consumed}
            """,
            ("$before", before.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture))));

    /// <summary>
    /// Removes the messages <paramref name="mentions"/> is true of from the records every consumer of their partition has
    /// checkpointed past (an erasure: a record not read yet is left to its consumers, who find the person suppressed); a
    /// record keeping others' messages is rewritten with those. Read in pages, each page's changes in one transaction.
    /// </summary>
    public Task<int> RemoveAsync(Func<JsonNode?, bool> mentions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mentions);
        const int Page = 500;
        var removed = 0;
        for (long after = 0; ;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var changes = new List<(long Seq, JsonArray? Kept, int Removed)>();
            var read = 0;
            using (var connection = _database.Open())
            using (var select = connection.Command(
                $"SELECT seq, body FROM event_records WHERE seq > $after AND {Consumed} ORDER BY seq LIMIT $page",
                ("$after", after),
                ("$page", Page)))
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    read++;
                    after = reader.GetInt64(0);
                    if (JsonNode.Parse(reader.GetString(1)) is not JsonArray messages)
                    {
                        continue;
                    }

                    var kept = new JsonArray([.. messages.Where(m => !mentions(m)).Select(m => m?.DeepClone())]);
                    if (kept.Count < messages.Count)
                    {
                        changes.Add((after, kept.Count == 0 ? null : kept, messages.Count - kept.Count));
                    }
                }
            }

            if (changes.Count > 0)
            {
                _database.Write(transaction =>
                {
                    foreach (var (seq, kept, _) in changes)
                    {
                        using var command = kept is null
                            ? transaction.Command("DELETE FROM event_records WHERE seq = $seq", ("$seq", seq))
                            : transaction.Command("UPDATE event_records SET body = $body, count = $count WHERE seq = $seq", ("$seq", seq), ("$body", kept.ToJsonString()), ("$count", kept.Count));
                        command.ExecuteNonQuery();
                    }

                    return 0;
                });
                removed += changes.Sum(c => c.Removed);
            }

            if (read < Page)
            {
                return Task.FromResult(removed);
            }
        }
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

    public async ValueTask DisposeAsync()
    {
        _appends.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteAppendsAsync()
    {
        var group = new List<PendingAppend>(MaxGroup);
        while (await _appends.Reader.WaitToReadAsync())
        {
            while (group.Count < MaxGroup && _appends.Reader.TryRead(out var pending))
            {
                group.Add(pending);
            }

            try
            {
                Append(group);
                group.ForEach(p => p.Done.TrySetResult());
                Appended.Notify();
            }
#pragma warning disable CA1031 // The failure is handed to every caller waiting on this group; the writer goes on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                group.ForEach(p => p.Done.TrySetException(ex));
            }

            group.Clear();
        }
    }

    private void Append(List<PendingAppend> group) => _database.Write(transaction =>
    {
        using var insert = transaction.Command(
            "INSERT INTO event_records (partition, count, body, appended_at) VALUES ($partition, $count, $body, $at)",
            ("$partition", 0),
            ("$count", 0),
            ("$body", string.Empty),
            ("$at", _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)));
        insert.Prepare();
        foreach (var row in group.SelectMany(p => p.Rows))
        {
            insert.Parameters["$partition"].Value = row.Partition;
            insert.Parameters["$count"].Value = row.Count;
            insert.Parameters["$body"].Value = row.Body;
            insert.ExecuteNonQuery();
        }

        return group.Count;
    });

    private sealed record Row(int Partition, int Count, string Body);

    private sealed record PendingAppend(Row[] Rows, TaskCompletionSource Done);
}

/// <summary>Messages read from one partition, and the position to checkpoint once they are handled.</summary>
public sealed record EventLogBatch(int Partition, IReadOnlyList<Message> Messages, long Position);
