using Cdp.Azure;
using Cdp.Azure.Cosmos;
using Cdp.Core.Ingest;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Cdp.Functions.Ingest;

/// <summary>
/// Ingest from Event Hubs, in batches. Unreadable events become dead letters; a store failure fails the
/// invocation and the retry policy runs it again before the host checkpoints, so no batch is skipped;
/// ingest is idempotent, so the retry is safe. Each batch's Cosmos DB request units are logged and recorded
/// per event.
/// </summary>
public sealed class IngestEventsFunction(IngestService ingest, ILogger<IngestEventsFunction> logger)
{
    [Function(nameof(IngestEventsFunction))]
    [ExponentialBackoffRetry(-1, "00:00:05", "00:05:00")]
    public Task RunAsync(
        [EventHubTrigger("%" + AzureSettings.EventHubName + "%", Connection = AzureSettings.EventHubConnection, ConsumerGroup = "%" + AzureSettings.EventHubConsumerGroup + "%", IsBatched = true)]
        string[] events,
        CancellationToken cancellationToken) =>
        CosmosUsage.MeasureBatchAsync(events?.Length ?? 0, logger, () => ingest.ProcessJsonAsync(events!, cancellationToken));
}
