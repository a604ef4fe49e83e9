using Cdp.Core.Status;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The Function App's change-feed consumers (the profile-change subscribers, the audience destinations) for the status
/// API: the changes each processor has not read yet, summed over its leases, as Cosmos DB's change feed estimator tells
/// them (the Functions trigger names its processor after its lease prefix). The estimator counts changes only: how old
/// the oldest is stays unknown (null).
/// </summary>
public sealed class CosmosChangeFeedStatus(Container monitored, Container leases, IReadOnlyList<(string Name, string Processor)> consumers) : IConsumerStatusSource
{
    public async Task<IReadOnlyList<ConsumerStatus>> ReadAsync(CancellationToken cancellationToken)
    {
        var statuses = new List<ConsumerStatus>();
        foreach (var (name, processor) in consumers)
        {
            var lags = new List<PartitionLag>();
            using var iterator = monitored.GetChangeFeedEstimator(processor, leases).GetCurrentStateIterator();
            while (iterator.HasMoreResults)
            {
                foreach (var lease in await iterator.ReadNextAsync(cancellationToken))
                {
                    lags.Add(new PartitionLag(lease.LeaseToken, lease.EstimatedLag));
                }
            }

            statuses.Add(new ConsumerStatus(name, ConsumerStatus.Changes, lags.Sum(l => l.Behind), Partitions: lags));
        }

        return statuses;
    }
}

/// <summary>The lease prefixes of the Function App's change-feed triggers (the Cosmos DB extension names each processor after its prefix).</summary>
public static class ChangeFeedProcessors
{
    /// <summary>The profile-change subscribers (segments, journeys).</summary>
    public const string ProfileChanges = "profile-changes";

    /// <summary>The audience destinations.</summary>
    public const string Destinations = "destinations";
}
