using System.Text.Json;
using Cdp.Azure;
using Cdp.Azure.Cosmos;
using Cdp.Core.Changes;
using Cdp.Journeys;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Cdp.Functions.Profiles;

/// <summary>
/// The profile change feed (Cosmos DB change-feed trigger on <c>profiles</c>, leases in <c>leases</c>): hands
/// each change to the profile change processor, with the Durable client for journey enrollments. A
/// failure is retried before the lease moves on, so no change is skipped.
/// </summary>
public sealed class ProcessProfileChangesFunction(ProfileChangeProcessor processor)
{
    [Function(nameof(ProcessProfileChangesFunction))]
    [ExponentialBackoffRetry(-1, "00:00:05", "00:05:00")]
    public Task RunAsync(
        [CosmosDBTrigger(
            "%" + AzureSettings.CosmosDatabase + "%",
            "%" + AzureSettings.ProfilesContainer + "%",
            Connection = AzureSettings.CosmosConnection,
            LeaseContainerName = "%" + AzureSettings.LeasesContainer + "%",
            LeaseContainerPrefix = Cdp.Azure.Cosmos.ChangeFeedProcessors.ProfileChanges,
            FeedPollDelay = 1000,
            MaxItemsPerInvocation = 100)]
        IReadOnlyList<JsonElement> profiles,
        [DurableClient] DurableTaskClient journeys,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var changes = profiles.Select(CosmosProfileStore.ToChange).ToList();
        return processor.ProcessAsync(changes, new ProfileChangeContext(new DurableJourneyRuntime(journeys)), cancellationToken);
    }
}
