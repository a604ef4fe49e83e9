using Cdp.Azure.Cosmos;
using Microsoft.Azure.Cosmos;
using Moq;

namespace Cdp.Azure.Tests.Cosmos;

/// <summary>
/// The change-feed lag in the Function App, from Cosmos DB's estimator. The stand-in has no change feed processor
/// (docs/operations.md), so the estimator is mocked: what is checked is which processor is asked and that the leases'
/// estimates are summed over every page.
/// </summary>
public class CosmosChangeFeedStatusTests
{
    [Fact]
    public async Task EachConsumersLag_IsItsProcessorsEstimate_SummedOverItsLeases()
    {
        var leases = new Mock<Container>().Object;
        var profiles = new Mock<Container>();
        profiles.Setup(c => c.GetChangeFeedEstimator("profile-changes", leases)).Returns(Estimator([[3, 4], [5]]));
        profiles.Setup(c => c.GetChangeFeedEstimator("destinations", leases)).Returns(Estimator([[0]]));
        var status = new CosmosChangeFeedStatus(profiles.Object, leases, [("profile-changes", "profile-changes"), ("destinations", "destinations")]);

        var consumers = await status.ReadAsync(CancellationToken.None);

        Assert.Equal([("profile-changes", 12L), ("destinations", 0L)], consumers.Select(c => (c.Name, c.Behind!.Value)));
        Assert.All(consumers, c => Assert.Equal(("changes", (double?)null), (c.Reads, c.SecondsBehind)));
        Assert.Equal([("lease-0", 3L), ("lease-1", 4L), ("lease-2", 5L)], consumers[0].Partitions!.Select(p => (p.Partition, p.Behind)));
    }

    private static ChangeFeedEstimator Estimator(long[][] pages)
    {
        var iterator = new Mock<FeedIterator<ChangeFeedProcessorState>>();
        var read = 0;
        var token = 0;
        iterator.SetupGet(i => i.HasMoreResults).Returns(() => read < pages.Length);
        iterator.Setup(i => i.ReadNextAsync(It.IsAny<CancellationToken>())).ReturnsAsync(() =>
        {
            var page = new Mock<FeedResponse<ChangeFeedProcessorState>>();
            var states = pages[read++].Select(lag => new ChangeFeedProcessorState($"lease-{token++}", lag, "host")).ToList();
            page.Setup(p => p.GetEnumerator()).Returns(() => states.GetEnumerator());
            return page.Object;
        });
        var estimator = new Mock<ChangeFeedEstimator>();
        estimator.Setup(e => e.GetCurrentStateIterator(It.IsAny<ChangeFeedEstimatorRequestOptions>())).Returns(iterator.Object);
        return estimator.Object;
    }
}
