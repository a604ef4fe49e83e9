namespace Cdp.Embedded.Tests.Streaming;

public class SqliteEventLogTests
{
    private const string Consumer = "test";

    [Fact]
    public async Task ReadAsync_SameKey_KeepsOrderOnOnePartition()
    {
        using var store = new EmbeddedStore();
        var messages = Enumerable.Range(0, 10).Select(i => Messages.Track($"m{i}", anonymousId: "a1")).ToList();
        await store.Log.PublishAsync(messages, CancellationToken.None);

        var partition = store.Log.PartitionOf("a1");
        var batch = await store.Log.ReadAsync(Consumer, partition, 100, CancellationToken.None);

        Assert.Equal(messages.Select(m => m.MessageId), batch.Messages.Select(m => m.MessageId));
        for (var other = 0; other < store.Log.PartitionCount; other++)
        {
            if (other != partition)
            {
                Assert.Empty((await store.Log.ReadAsync(Consumer, other, 100, CancellationToken.None)).Messages);
            }
        }
    }

    [Fact]
    public async Task ReadAsync_WithoutCheckpoint_RedeliversSameBatch()
    {
        using var store = new EmbeddedStore(partitions: 1);
        await store.Log.PublishAsync([Messages.Track("m1", "a1"), Messages.Track("m2", "a2")], CancellationToken.None);

        var first = await store.Log.ReadAsync(Consumer, 0, 100, CancellationToken.None);
        var again = await store.Log.ReadAsync(Consumer, 0, 100, CancellationToken.None);

        Assert.Equal(first.Messages.Select(m => m.MessageId), again.Messages.Select(m => m.MessageId));
    }

    [Fact]
    public async Task CheckpointAsync_MovesPastBatch_PerConsumer()
    {
        using var store = new EmbeddedStore(partitions: 1);
        await store.Log.PublishAsync([Messages.Track("m1", "a1"), Messages.Track("m2", "a1")], CancellationToken.None);
        await store.Log.PublishAsync([Messages.Track("m3", "a1")], CancellationToken.None);

        var first = await store.Log.ReadAsync(Consumer, 0, 2, CancellationToken.None);
        await store.Log.CheckpointAsync(Consumer, first, CancellationToken.None);
        var next = await store.Log.ReadAsync(Consumer, 0, 100, CancellationToken.None);
        var otherConsumer = await store.Log.ReadAsync("other", 0, 100, CancellationToken.None);

        Assert.Equal(["m1", "m2"], first.Messages.Select(m => m.MessageId));
        Assert.Equal(["m3"], next.Messages.Select(m => m.MessageId));
        Assert.Equal(3, otherConsumer.Messages.Count);
    }

    [Fact]
    public async Task CheckpointAsync_OlderPosition_DoesNotMoveBack()
    {
        using var store = new EmbeddedStore(partitions: 1);
        await store.Log.PublishAsync([Messages.Track("m1", "a1"), Messages.Track("m2", "a1")], CancellationToken.None);
        var one = await store.Log.ReadAsync(Consumer, 0, 1, CancellationToken.None);
        var both = await store.Log.ReadAsync(Consumer, 0, 2, CancellationToken.None);

        await store.Log.CheckpointAsync(Consumer, both, CancellationToken.None);
        await store.Log.CheckpointAsync(Consumer, one, CancellationToken.None);

        Assert.Empty((await store.Log.ReadAsync(Consumer, 0, 10, CancellationToken.None)).Messages);
    }

    [Fact]
    public async Task Restart_KeepsMessagesAndCheckpoints()
    {
        using var store = new EmbeddedStore(partitions: 1);
        await store.Log.PublishAsync([Messages.Track("m1", "a1")], CancellationToken.None);
        await store.Log.PublishAsync([Messages.Track("m2", "a1")], CancellationToken.None);
        await store.Log.CheckpointAsync(Consumer, await store.Log.ReadAsync(Consumer, 0, 1, CancellationToken.None), CancellationToken.None);

        using var restarted = store.Reopen();
        var batch = await restarted.Log.ReadAsync(Consumer, 0, 10, CancellationToken.None);

        var message = Assert.Single(batch.Messages);
        Assert.Equal("m2", message.MessageId);
        Assert.Equal("Viewed", message.Event);
    }

    [Fact]
    public async Task ReadAsync_APublishIsReadWhole_EvenPastMaxCount()
    {
        using var store = new EmbeddedStore(partitions: 1);
        await store.Log.PublishAsync([Messages.Track("m1", "a1"), Messages.Track("m2", "a2"), Messages.Track("m3", "a3")], CancellationToken.None);
        await store.Log.PublishAsync([Messages.Track("m4", "a1")], CancellationToken.None);

        var batch = await store.Log.ReadAsync(Consumer, 0, 2, CancellationToken.None);

        Assert.Equal(["m1", "m2", "m3"], batch.Messages.Select(m => m.MessageId));
    }

    [Fact]
    public async Task PublishAsync_ConcurrentCalls_AllCommittedAndEachCallInOrder()
    {
        using var store = new EmbeddedStore(partitions: 2);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() =>
            store.Log.PublishAsync([Messages.Track($"c{i}-1", $"k{i}"), Messages.Track($"c{i}-2", $"k{i}")], CancellationToken.None))));

        var all = new List<Core.Events.Message>();
        for (var partition = 0; partition < 2; partition++)
        {
            all.AddRange((await store.Log.ReadAsync(Consumer, partition, 1000, CancellationToken.None)).Messages);
        }

        Assert.Equal(100, all.Count);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(all.FindIndex(m => m.MessageId == $"c{i}-1") < all.FindIndex(m => m.MessageId == $"c{i}-2"));
        }
    }

    [Fact]
    public async Task PruneAsync_RemovesOnlyRecordsPastRetention_ThatEveryConsumerHasRead()
    {
        using var store = new EmbeddedStore(partitions: 1);
        await store.Log.PublishAsync([Messages.Track("m1", "a1")], CancellationToken.None);
        await store.Log.PublishAsync([Messages.Track("m2", "a1")], CancellationToken.None);
        store.Time.Advance(TimeSpan.FromDays(1));
        await store.Log.PublishAsync([Messages.Track("m3", "a1")], CancellationToken.None);
        await store.Log.CheckpointAsync(Consumer, await store.Log.ReadAsync(Consumer, 0, 1, CancellationToken.None), CancellationToken.None);
        await store.Log.CheckpointAsync("other", await store.Log.ReadAsync("other", 0, 10, CancellationToken.None), CancellationToken.None);

        // Old enough: m1 and m2; read by both consumers: m1 only (the first consumer has not read m2).
        Assert.Equal(1, await store.Log.PruneAsync(store.Time.GetUtcNow().AddHours(-1), CancellationToken.None));
        Assert.Equal(["m2", "m3"], (await store.Log.ReadAsync("third", 0, 10, CancellationToken.None)).Messages.Select(m => m.MessageId));

        await store.Log.CheckpointAsync(Consumer, await store.Log.ReadAsync(Consumer, 0, 10, CancellationToken.None), CancellationToken.None);
        Assert.Equal(1, await store.Log.PruneAsync(store.Time.GetUtcNow().AddHours(-1), CancellationToken.None));
        Assert.Equal(["m3"], (await store.Log.ReadAsync("third", 0, 10, CancellationToken.None)).Messages.Select(m => m.MessageId));
    }

    [Fact]
    public async Task RemoveAsync_TakesTheMessagesFromReadRecords_KeepsOthersInTheirRecord_LeavesUnreadRecords()
    {
        using var store = new EmbeddedStore(partitions: 1);
        await store.Log.PublishAsync([Messages.Track("m1", "erased"), Messages.Track("m2", "kept")], CancellationToken.None);
        await store.Log.PublishAsync([Messages.Track("m3", "erased")], CancellationToken.None);
        await store.Log.CheckpointAsync(Consumer, await store.Log.ReadAsync(Consumer, 0, 3, CancellationToken.None), CancellationToken.None);
        await store.Log.PublishAsync([Messages.Track("m4", "erased")], CancellationToken.None);

        // m1 and m3 were read (the first record keeps m2); m4 was not: its consumer still gets it.
        Assert.Equal(2, await store.Log.RemoveAsync(m => m?["anonymousId"]?.GetValue<string>() == "erased", CancellationToken.None));
        Assert.Equal(["m2", "m4"], (await store.Log.ReadAsync("third", 0, 10, CancellationToken.None)).Messages.Select(m => m.MessageId));
        Assert.Equal(["m4"], (await store.Log.ReadAsync(Consumer, 0, 10, CancellationToken.None)).Messages.Select(m => m.MessageId));
        Assert.Equal(0, await store.Log.RemoveAsync(m => m?["anonymousId"]?.GetValue<string>() == "erased", CancellationToken.None));
    }
}
