using Cdp.Azure.Cosmos;
using Cdp.Core.Segments;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Tests.Cosmos;

/// <summary>
/// What the segment ports leave in Cosmos DB itself, beyond the contract (issue 17, item 10): a segment's items spread
/// over its shards' logical partitions, each shard's count item, and a recording that races another.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosSegmentsTests(CosmosStandIn cosmos)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ASegmentsMembers_SpreadOverItsShards_AndItsSizeIsTheSumOfTheShardsCounts()
    {
        var membership = await cosmos.ContainerAsync(CosmosContainers.SegmentMembership);
        var segments = await NewSegmentsAsync(membership);
        var segment = "s_" + Guid.NewGuid().ToString("N");
        var entered = Enumerable.Range(0, 64).Select(i => SegmentTransition.Of(segment, $"p_{i}", SegmentTransitionKind.Entered, T0, 1)).ToList();

        await segments.RecordAsync(entered, CancellationToken.None);
        await segments.RecordAsync(entered, CancellationToken.None); // redelivered: changes nothing

        var items = (await CosmosReadFeed.AllAsync(membership)).Where(i => i.GetProperty("segmentId").GetString() == segment).ToList();
        var partitions = items.Select(i => i.GetProperty("partition").GetString()!).Distinct().ToList();
        Assert.True(partitions.Count > 1, "one segment's items sit in more than one logical partition");
        Assert.All(partitions, p => Assert.StartsWith(segment + "|", p, StringComparison.Ordinal));
        Assert.All(entered, t => Assert.Contains(items, i => i.GetProperty("id").GetString() == t.Id && i.GetProperty("partition").GetString() == CosmosSegments.PartitionOf(segment, t.ProfileId)));
        Assert.Equal(64, items.Where(i => i.GetProperty("type").GetString() == "count").Sum(i => i.GetProperty("members").GetInt64()));
        Assert.All(items.Where(i => i.GetProperty("type").GetString() == "transition"), i => Assert.Equal(CosmosItems.Seconds(ISegmentTransitions.Retention), i.GetProperty("ttl").GetInt32()));
        Assert.All(items.Where(i => i.GetProperty("type").GetString() != "transition"), i => Assert.False(i.TryGetProperty("ttl", out _)));
        Assert.Equal(64, await segments.CountMembersAsync(segment, CancellationToken.None));

        Assert.Equal(2, await segments.DeleteForProfileAsync("p_7", CancellationToken.None)); // its transition and member item
        Assert.Equal(63, await segments.CountMembersAsync(segment, CancellationToken.None));
    }

    [Fact]
    public async Task ARecordingRacedByANewerOne_ReadsTheMemberAgain_AndTheNewerVersionWins()
    {
        var membership = await cosmos.ContainerAsync(CosmosContainers.SegmentMembership);
        var segment = "s_" + Guid.NewGuid().ToString("N");
        await (await NewSegmentsAsync(membership)).RecordAsync([SegmentTransition.Of(segment, "p_1", SegmentTransitionKind.Entered, T0, 1)], CancellationToken.None);

        // Between this writer's read of the member item and its batch, another writer records the profile's exit at v3.
        var racing = new RacingBatches(cosmos.Batches, () => NewSegmentsAsync(membership).ContinueWith(t => t.Result.RecordAsync(
            [SegmentTransition.Of(segment, "p_1", SegmentTransitionKind.Exited, T0.AddMinutes(2), 3)], CancellationToken.None)).Unwrap());
        var segments = await NewSegmentsAsync(membership, racing);
        await segments.RecordAsync([SegmentTransition.Of(segment, "p_1", SegmentTransitionKind.Entered, T0.AddMinutes(1), 2)], CancellationToken.None);

        Assert.True(racing.Raced);
        Assert.Equal(0, await segments.CountMembersAsync(segment, CancellationToken.None));
        Assert.Equal([3L, 2L, 1L], (await segments.ListAsync(segment, 10, CancellationToken.None)).Select(t => t.ProfileVersion));
    }

    private async Task<CosmosSegments> NewSegmentsAsync(Container membership, ICosmosBatches? batches = null) => new(
        await cosmos.ContainerAsync(CosmosContainers.Segments), membership, await cosmos.ContainerAsync(CosmosContainers.SegmentSchedule), batches ?? cosmos.Batches, TimeProvider.System);

    /// <summary>Runs <c>race</c> once, just before the first batch it is asked to execute.</summary>
    private sealed class RacingBatches(ICosmosBatches inner, Func<Task> race) : ICosmosBatches
    {
        public bool Raced { get; private set; }

        public async Task<CosmosBatchFailure?> ExecuteAsync(Container container, PartitionKey partitionKey, IReadOnlyList<CosmosWrite> writes, CancellationToken cancellationToken)
        {
            if (!Raced)
            {
                Raced = true;
                await race();
            }

            return await inner.ExecuteAsync(container, partitionKey, writes, cancellationToken);
        }
    }
}
