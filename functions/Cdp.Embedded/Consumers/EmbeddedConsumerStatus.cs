using Cdp.Core.Destinations;
using Cdp.Core.Status;
using Cdp.Embedded.Sqlite;
using Cdp.Embedded.Streaming;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// The consumers of Cdp.Local for the status API: ingest (the embedded log), the profile-change subscribers (the change
/// log), the segment schedule, and each enabled destination's consumer; how far each is behind its log, and the last
/// success and error its loop reported (<see cref="ConsumerHealth"/>).
/// </summary>
public sealed class EmbeddedConsumerStatus(SqliteEventLog log, SqliteProfileStore feed, DestinationCatalog destinations, ConsumerHealth health, TimeProvider time) : IConsumerStatusSource
{
    public async Task<IReadOnlyList<ConsumerStatus>> ReadAsync(CancellationToken cancellationToken)
    {
        var consumers = new List<ConsumerStatus>
        {
            OfLog(IngestConsumer.Name),
            Of(ProfileChangeConsumer.Name, ConsumerStatus.Changes, feed.Lag(ProfileChangeConsumer.Name)),
            Of(SegmentWorker.Name, ConsumerStatus.Schedule, null),
        };
        foreach (var destination in (await destinations.CurrentAsync(cancellationToken)).Where(d => d.Enabled))
        {
            consumers.Add(destination.ReceivesEvents
                ? OfLog(destination.Consumer)
                : Of(destination.Consumer, ConsumerStatus.Changes, feed.Lag(destination.Consumer)));
        }

        return consumers;
    }

    /// <summary>A consumer of the event log: its lag over every partition, and per partition.</summary>
    private ConsumerStatus OfLog(string name)
    {
        var partitions = log.PartitionLags(name);
        return Of(name, ConsumerStatus.Events, (partitions.Sum(p => p.Behind), partitions.Min(p => p.Oldest))) with
        {
            Partitions = [.. partitions.Select(p => new PartitionLag(p.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Behind, Seconds(p.Oldest)))],
        };
    }

    private ConsumerStatus Of(string name, string reads, (long Behind, DateTimeOffset? Oldest)? lag)
    {
        var reported = health.Of(name);
        return new ConsumerStatus(name, reads, lag?.Behind, lag is { } known ? Seconds(known.Oldest) : null, reported?.LastSuccessAt, reported?.LastErrorAt, reported?.LastError);
    }

    private double Seconds(DateTimeOffset? oldest) => oldest is { } at ? Math.Max(0, (time.GetUtcNow() - at).TotalSeconds) : 0;
}
