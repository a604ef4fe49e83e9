using Cdp.Core.Activity;
using Cdp.Embedded.Consumers;

namespace Cdp.Embedded.Streaming;

/// <summary>
/// Ingest's lag on the embedded log: the messages in records after its checkpoint on each partition (a range of the
/// partition's index, so only the backlog is read), and the age of the oldest of them.
/// </summary>
public sealed class EmbeddedIngestLag(SqliteEventLog log, TimeProvider time) : IIngestLag
{
    public Task<IngestLag> ReadAsync(CancellationToken cancellationToken)
    {
        var (messages, oldest) = log.Lag(IngestConsumer.Name);
        var seconds = oldest is { } first ? Math.Max(0, (time.GetUtcNow() - first).TotalSeconds) : 0;
        return Task.FromResult(new IngestLag(messages, Math.Round(seconds, 1)));
    }
}
