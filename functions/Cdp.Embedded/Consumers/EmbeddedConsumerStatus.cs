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
            Of(IngestConsumer.Name, ConsumerStatus.Events, log.Lag(IngestConsumer.Name)),
            Of(ProfileChangeConsumer.Name, ConsumerStatus.Changes, feed.Lag(ProfileChangeConsumer.Name)),
            Of(SegmentWorker.Name, ConsumerStatus.Schedule, null),
        };
        foreach (var destination in (await destinations.CurrentAsync(cancellationToken)).Where(d => d.Enabled))
        {
            consumers.Add(destination.ReceivesEvents
                ? Of(destination.Consumer, ConsumerStatus.Events, log.Lag(destination.Consumer))
                : Of(destination.Consumer, ConsumerStatus.Changes, feed.Lag(destination.Consumer)));
        }

        return consumers;
    }

    private ConsumerStatus Of(string name, string reads, (long Behind, DateTimeOffset? Oldest)? lag)
    {
        var reported = health.Of(name);
        double? seconds = lag is { } known ? known.Oldest is { } oldest ? Math.Max(0, (time.GetUtcNow() - oldest).TotalSeconds) : 0 : null;
        return new ConsumerStatus(name, reads, lag?.Behind, seconds, reported?.LastSuccessAt, reported?.LastErrorAt, reported?.LastError);
    }
}
