using Azure;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Storage.Blobs;
using Cdp.Core.Status;

namespace Cdp.Azure.EventHubs;

/// <summary>
/// The Function App's Event Hubs consumers (ingest, destinations) for the status API: per consumer group, the events
/// after the checkpoints the Functions host keeps in its storage (container <see cref="CheckpointContainer"/>, blob
/// <c>{namespace}/{hub}/{group}/checkpoint/{partition}</c> with metadata <c>sequencenumber</c>, as the Event Hubs
/// extension writes them) up to each partition's last enqueued event, and the age of the oldest of them (read with
/// <paramref name="hub"/>, a client of the <c>$Default</c> group, so the consumers' own readers are not disturbed).
/// A partition without a checkpoint counts from its beginning (the trigger starts there).
/// </summary>
public sealed class EventHubsConsumerStatus(EventHubConsumerClient hub, string fullyQualifiedNamespace, string eventHubName, BlobContainerClient checkpoints, IReadOnlyList<(string Name, string ConsumerGroup)> consumers, TimeProvider time) : IConsumerStatusSource
{
    public const string CheckpointContainer = "azure-webjobs-eventhub";

    private static readonly ReadEventOptions Peek = new() { MaximumWaitTime = TimeSpan.FromSeconds(2) };

    public async Task<IReadOnlyList<ConsumerStatus>> ReadAsync(CancellationToken cancellationToken)
    {
        var partitions = new List<global::Azure.Messaging.EventHubs.PartitionProperties>();
        foreach (var id in await hub.GetPartitionIdsAsync(cancellationToken))
        {
            partitions.Add(await hub.GetPartitionPropertiesAsync(id, cancellationToken));
        }

        var statuses = new List<ConsumerStatus>();
        foreach (var (name, group) in consumers)
        {
            var lags = new List<PartitionLag>(partitions.Count);
            foreach (var partition in partitions)
            {
                var checkpoint = partition.IsEmpty ? null : await CheckpointAsync(group, partition.Id, cancellationToken);
                var first = checkpoint is { } done ? done + 1 : partition.BeginningSequenceNumber;
                if (partition.IsEmpty || partition.LastEnqueuedSequenceNumber < first)
                {
                    lags.Add(new PartitionLag(partition.Id, 0, 0));
                    continue;
                }

                var at = await FirstEnqueuedAsync(partition.Id, checkpoint, cancellationToken);
                lags.Add(new PartitionLag(partition.Id, partition.LastEnqueuedSequenceNumber - first + 1, at is { } since ? Math.Round(Math.Max(0, (time.GetUtcNow() - since).TotalSeconds), 1) : 0));
            }

            statuses.Add(new ConsumerStatus(name, ConsumerStatus.Events, lags.Sum(l => l.Behind), lags.Count == 0 ? 0 : lags.Max(l => l.SecondsBehind ?? 0), Partitions: lags));
        }

        return statuses;
    }

    private async Task<long?> CheckpointAsync(string group, string partition, CancellationToken cancellationToken)
    {
        var blob = checkpoints.GetBlobClient($"{fullyQualifiedNamespace}/{eventHubName}/{group}/checkpoint/{partition}".ToLowerInvariant());
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
            return properties.Value.Metadata.TryGetValue("sequencenumber", out var text) && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var sequence) ? sequence : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>When the first event after the checkpoint was enqueued (null when none came within the peek's wait).</summary>
    private async Task<DateTimeOffset?> FirstEnqueuedAsync(string partition, long? checkpoint, CancellationToken cancellationToken)
    {
        var position = checkpoint is { } done ? EventPosition.FromSequenceNumber(done, isInclusive: false) : EventPosition.Earliest;
        await foreach (var received in hub.ReadEventsFromPartitionAsync(partition, position, Peek, cancellationToken))
        {
            return received.Data?.EnqueuedTime;
        }

        return null;
    }
}
