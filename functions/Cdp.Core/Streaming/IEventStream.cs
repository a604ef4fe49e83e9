using Cdp.Core.Events;

namespace Cdp.Core.Streaming;

/// <summary>
/// The event stream between collection and ingest (Event Hubs in the cloud, the embedded log locally).
/// </summary>
/// <remarks>
/// Messages with the same <see cref="Message.PartitionKey"/> keep their order. Delivery to consumers is
/// at least once: a consumer may see a message again after a crash or a retry, so ingest must be
/// idempotent. A publish that returns has made the messages durable; one that throws may still have
/// published some of them, and the caller retries the whole call.
/// </remarks>
public interface IEventStream
{
    Task PublishAsync(IReadOnlyList<Message> messages, CancellationToken cancellationToken);
}
