using System.Text.Json;
using Cdp.Azure;
using Cdp.Azure.Cosmos;
using Cdp.Core.Changes;
using Cdp.Core.Destinations;
using Cdp.Http;
using Cdp.Journeys;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Cdp.Functions.Destinations;

/// <summary><c>GET /api/destinations</c>: every destination (secrets by name only).</summary>
public sealed class ListDestinationsFunction(DestinationHandler handler)
{
    [Function(nameof(ListDestinationsFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Destinations)] HttpRequest request, CancellationToken cancellationToken) =>
        handler.ListAsync(cancellationToken);
}

/// <summary><c>GET /api/destinations/{id}</c>: one destination.</summary>
public sealed class GetDestinationFunction(DestinationHandler handler)
{
    [Function(nameof(GetDestinationFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Destination)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.GetAsync(id, cancellationToken);
}

/// <summary><c>PUT /api/destinations/{id}</c>: create or change a destination.</summary>
public sealed class PutDestinationFunction(DestinationHandler handler)
{
    [Function(nameof(PutDestinationFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = CdpRoutes.Destination)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.PutAsync(request, id, cancellationToken);
}

/// <summary><c>DELETE /api/destinations/{id}</c>: stop and remove a destination.</summary>
public sealed class DeleteDestinationFunction(DestinationHandler handler)
{
    [Function(nameof(DeleteDestinationFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = CdpRoutes.Destination)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.DeleteAsync(id, cancellationToken);
}

/// <summary><c>GET /api/destinations/{id}/status</c>: a destination's delivery status.</summary>
public sealed class GetDestinationStatusFunction(DestinationHandler handler)
{
    [Function(nameof(GetDestinationStatusFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.DestinationStatus)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.StatusAsync(id, cancellationToken);
}

/// <summary>
/// Event destinations: the event hub read with their own consumer group (<c>CDP_EVENTHUB_DESTINATIONS_CONSUMER_GROUP</c>),
/// so their checkpoints are apart from ingest's and a slow tool never slows ingest. Each batch goes to every enabled
/// event destination at once; each retries within its own budget and dead-letters what it cannot deliver, so only a
/// store failure fails the invocation (retried before the host checkpoints).
/// </summary>
public sealed class DeliverEventsFunction(DestinationDispatcher dispatcher)
{
    [Function(nameof(DeliverEventsFunction))]
    [ExponentialBackoffRetry(-1, "00:00:05", "00:05:00")]
    public Task RunAsync(
        [EventHubTrigger("%" + AzureSettings.EventHubName + "%", Connection = AzureSettings.EventHubConnection, ConsumerGroup = "%" + AzureSettings.EventHubDestinationsConsumerGroup + "%", IsBatched = true)]
        string[] events,
        CancellationToken cancellationToken) =>
        dispatcher.DeliverJsonToAllAsync(events ?? [], cancellationToken);
}

/// <summary>
/// Audience destinations: the profile change feed with its own lease prefix (<c>destinations</c>), apart from the segment
/// and journey processor's, so a slow tool never holds back segments or journeys.
/// </summary>
public sealed class DeliverAudiencesFunction(DestinationDispatcher dispatcher)
{
    [Function(nameof(DeliverAudiencesFunction))]
    [ExponentialBackoffRetry(-1, "00:00:05", "00:05:00")]
    public Task RunAsync(
        [CosmosDBTrigger(
            "%" + AzureSettings.CosmosDatabase + "%",
            "%" + AzureSettings.ProfilesContainer + "%",
            Connection = AzureSettings.CosmosConnection,
            LeaseContainerName = "%" + AzureSettings.LeasesContainer + "%",
            LeaseContainerPrefix = Cdp.Azure.Cosmos.ChangeFeedProcessors.Destinations,
            FeedPollDelay = 1000,
            MaxItemsPerInvocation = 100)]
        IReadOnlyList<JsonElement> profiles,
        [DurableClient] DurableTaskClient journeys,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var changes = profiles.Select(CosmosProfileStore.ToChange).ToList();
        return dispatcher.DeliverChangesToAllAsync(changes, new ProfileChangeContext(new DurableJourneyRuntime(journeys)), cancellationToken);
    }
}
