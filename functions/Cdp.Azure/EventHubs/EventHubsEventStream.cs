using System.Text.Json;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Cdp.Core.Events;
using Cdp.Core.Streaming;

namespace Cdp.Azure.EventHubs;

/// <summary>
/// The event stream on Event Hubs: each message becomes one event (JSON), sent with the message's
/// partition key so that a person's messages stay in order on one partition.
/// </summary>
/// <remarks>
/// A send is all or nothing per batch; messages of different partition keys go in different batches, so
/// a failure may leave some keys sent: the caller retries the whole call, and ingest dedupes.
/// </remarks>
public sealed class EventHubsEventStream(EventHubProducerClient producer) : IEventStream
{
    public async Task PublishAsync(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var group in messages.GroupBy(m => m.PartitionKey, StringComparer.Ordinal))
        {
            var options = new CreateBatchOptions { PartitionKey = group.Key };
            var batch = await producer.CreateBatchAsync(options, cancellationToken);
            try
            {
                foreach (var message in group)
                {
                    var data = ToEventData(message);
                    if (batch.TryAdd(data))
                    {
                        continue;
                    }

                    if (batch.Count == 0)
                    {
                        throw new InvalidOperationException($"Message '{message.MessageId}' is larger than an Event Hubs batch allows.");
                    }

                    await producer.SendAsync(batch, cancellationToken);
                    batch.Dispose();
                    batch = await producer.CreateBatchAsync(options, cancellationToken);
                    if (!batch.TryAdd(data))
                    {
                        throw new InvalidOperationException($"Message '{message.MessageId}' is larger than an Event Hubs batch allows.");
                    }
                }

                if (batch.Count > 0)
                {
                    await producer.SendAsync(batch, cancellationToken);
                }
            }
            finally
            {
                batch.Dispose();
            }
        }
    }

    /// <summary>The event for a message: its JSON body, with the message id as the event's message id.</summary>
    public static EventData ToEventData(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new EventData(JsonSerializer.SerializeToUtf8Bytes(message, CdpJson.Options))
        {
            MessageId = message.MessageId,
            ContentType = "application/json",
        };
    }
}
