using System.Text.Json;
using Cdp.Azure;
using Cdp.Core.Events;
using Cdp.Core.Ingest;
using Microsoft.Azure.Functions.Worker;

namespace Cdp.Functions.Ingest;

/// <summary>
/// Ingest from Event Hubs, in batches. A failure fails the invocation and the retry policy runs it again
/// before the host checkpoints, so no batch is skipped; ingest is idempotent, so the retry is safe.
/// </summary>
public sealed class IngestEventsFunction(IngestService ingest)
{
    [Function(nameof(IngestEventsFunction))]
    [ExponentialBackoffRetry(-1, "00:00:05", "00:05:00")]
    public async Task RunAsync(
        [EventHubTrigger("%" + AzureSettings.EventHubName + "%", Connection = AzureSettings.EventHubConnection, ConsumerGroup = "%" + AzureSettings.EventHubConsumerGroup + "%", IsBatched = true)]
        string[] events,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var messages = new Message[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            messages[i] = JsonSerializer.Deserialize<Message>(events[i], CdpJson.Options)
                ?? throw new JsonException($"Event {i} of the batch is empty.");
        }

        await ingest.ProcessAsync(messages, cancellationToken);
    }
}
