using Cdp.Core.Events;
using Cdp.Core.Streaming;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Collect;

/// <summary>
/// Accepts messages from the collection API: reads and checks them, stamps them with the server's
/// clock and an id, and hands them to the event stream. Resolution happens later, in ingest.
/// </summary>
public sealed class CollectService(IEventStream stream, TimeProvider time, ILogger<CollectService> logger)
{
    /// <summary>Reads, stamps and publishes one message; returns the problems instead when it is invalid.</summary>
    public async Task<CollectResult> CollectAsync(ReadOnlyMemory<byte> body, MessageType type, CancellationToken cancellationToken)
    {
        var read = MessageReader.Read(body, type);
        if (read.Message is null)
        {
            Logs.MessageRejected(logger, type, read.Errors.Keys);
            return new CollectResult(null, read.Errors);
        }

        var message = Stamp(read.Message);
        await stream.PublishAsync([message], cancellationToken);
        Logs.MessageAccepted(logger, message.MessageId, type);
        return new CollectResult(message, read.Errors);
    }

    private Message Stamp(Message message)
    {
        var receivedAt = time.GetUtcNow();
        return message with
        {
            MessageId = message.MessageId.Length > 0 ? message.MessageId : Guid.CreateVersion7(receivedAt).ToString(),
            ReceivedAt = receivedAt,
            Timestamp = message.Timestamp ?? receivedAt,
        };
    }
}

/// <summary>The accepted (stamped) message, or the problems by field when it was refused.</summary>
public sealed record CollectResult(Message? Accepted, IReadOnlyDictionary<string, string[]> Errors);
