using System.Runtime.CompilerServices;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Cdp.Azure.EventHubs;
using Cdp.Azure.Tests.Storage;
using Cdp.Core.Status;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Cdp.Azure.Tests.EventHubs;

/// <summary>
/// The Function App's Event Hubs lag: checkpoints as the Functions host writes them, in Azurite's blobs (over the wire),
/// against partitions whose properties and events come from a mocked client (no Event Hubs server runs here).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EventHubsConsumerStatusTests(Azurite azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Lag_IsTheEventsAfterEachGroupsCheckpoints_AndTheAgeOfTheOldestOfThem()
    {
        var checkpoints = await azurite.NewContainerAsync();
        var hub = new Mock<EventHubConsumerClient>();
        hub.Setup(h => h.GetPartitionIdsAsync(It.IsAny<CancellationToken>())).ReturnsAsync(["0", "1", "2"]);
        hub.Setup(h => h.GetPartitionPropertiesAsync("0", It.IsAny<CancellationToken>())).ReturnsAsync(EventHubsModelFactory.PartitionProperties("events", "0", false, 10, 19, "0", Now));
        hub.Setup(h => h.GetPartitionPropertiesAsync("1", It.IsAny<CancellationToken>())).ReturnsAsync(EventHubsModelFactory.PartitionProperties("events", "1", false, 0, 4, "0", Now));
        hub.Setup(h => h.GetPartitionPropertiesAsync("2", It.IsAny<CancellationToken>())).ReturnsAsync(EventHubsModelFactory.PartitionProperties("events", "2", true, 0, -1, "0", Now));
        hub.Setup(h => h.ReadEventsFromPartitionAsync(It.IsAny<string>(), It.IsAny<EventPosition>(), It.IsAny<ReadEventOptions>(), It.IsAny<CancellationToken>()))
            .Returns((string partition, EventPosition _, ReadEventOptions _, CancellationToken token) => Events(partition == "0" ? Now.AddMinutes(-5) : Now.AddSeconds(-30), token));
        // ingest: partition 0 done up to 15 (4 behind), partition 1 up to its last (none); destinations: no checkpoint on 0.
        await CheckpointAsync(checkpoints, "ingest", "0", 15);
        await CheckpointAsync(checkpoints, "ingest", "1", 4);
        await CheckpointAsync(checkpoints, "destinations", "1", 2);
        var status = new EventHubsConsumerStatus(hub.Object, "Evhns-X.servicebus.windows.net", "events", checkpoints, [("ingest", "ingest"), ("destinations", "destinations")], new FakeTimeProvider(Now));

        var consumers = await status.ReadAsync(CancellationToken.None);

        var ingest = consumers.Single(c => c.Name == "ingest");
        var destinations = consumers.Single(c => c.Name == "destinations");
        Assert.Equal((4L, 300d), (ingest.Behind, ingest.SecondsBehind));
        Assert.Equal((10L + 2L, 300d), (destinations.Behind, destinations.SecondsBehind));
        Assert.Equal("events", ingest.Reads);
        Assert.Equal([new PartitionLag("0", 4, 300), new PartitionLag("1", 0, 0), new PartitionLag("2", 0, 0)], ingest.Partitions!);
        Assert.Equal([new PartitionLag("0", 10, 300), new PartitionLag("1", 2, 30), new PartitionLag("2", 0, 0)], destinations.Partitions!);
        hub.Verify(h => h.ReadEventsFromPartitionAsync("1", It.IsAny<EventPosition>(), It.IsAny<ReadEventOptions>(), It.IsAny<CancellationToken>()), Times.Once); // ingest is not behind on 1
    }

    private static async Task CheckpointAsync(global::Azure.Storage.Blobs.BlobContainerClient container, string group, string partition, long sequence)
    {
        var blob = container.GetBlobClient($"evhns-x.servicebus.windows.net/events/{group}/checkpoint/{partition}");
        await blob.UploadAsync(BinaryData.FromString(string.Empty), overwrite: true);
        await blob.SetMetadataAsync(new Dictionary<string, string> { ["sequencenumber"] = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), ["offset"] = "0" });
    }

    private static async IAsyncEnumerable<PartitionEvent> Events(DateTimeOffset enqueued, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return new PartitionEvent(EventHubsModelFactory.PartitionContext("0"), EventHubsModelFactory.EventData(new BinaryData("{}"), offsetString: "0", enqueuedTime: enqueued));
    }
}
