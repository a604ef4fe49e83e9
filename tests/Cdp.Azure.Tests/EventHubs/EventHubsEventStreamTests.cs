using System.Text.Json;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Cdp.Azure.EventHubs;
using Cdp.Core.Events;
using Moq;

namespace Cdp.Azure.Tests.EventHubs;

/// <summary>
/// No Event Hubs server can run here, so the producer is mocked (batches made by the SDK's model factory);
/// the stream's semantics are covered by the embedded log's tests.
/// </summary>
public class EventHubsEventStreamTests
{
    private readonly Mock<EventHubProducerClient> _producer = new();
    private readonly List<(string PartitionKey, List<EventData> Events)> _sent = [];

    public EventHubsEventStreamTests()
    {
        _producer
            .Setup(p => p.CreateBatchAsync(It.IsAny<CreateBatchOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((CreateBatchOptions options, CancellationToken _) =>
            {
                var store = new List<EventData>();
                _sent.Add((options.PartitionKey, store));
                return EventHubsModelFactory.EventDataBatch(1024 * 1024, store, options, data => store.Count < 2);
            });
        _producer.Setup(p => p.SendAsync(It.IsAny<EventDataBatch>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
    }

    private static Message Track(string id, string anonymousId) =>
        new() { MessageId = id, Type = MessageType.Track, Event = "E", AnonymousId = anonymousId, ReceivedAt = DateTimeOffset.UnixEpoch };

    [Fact]
    public async Task PublishAsync_GroupsByPartitionKey_InOrder()
    {
        var stream = new EventHubsEventStream(_producer.Object);

        await stream.PublishAsync([Track("m1", "a"), Track("m2", "b"), Track("m3", "a")], CancellationToken.None);

        Assert.Equal(["a", "b"], _sent.Select(s => s.PartitionKey));
        Assert.Equal(["m1", "m3"], _sent[0].Events.Select(e => e.MessageId));
        Assert.Equal(["m2"], _sent[1].Events.Select(e => e.MessageId));
        _producer.Verify(p => p.SendAsync(It.IsAny<EventDataBatch>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task PublishAsync_FullBatch_SendsAndStartsAnother()
    {
        var stream = new EventHubsEventStream(_producer.Object);

        await stream.PublishAsync([Track("m1", "a"), Track("m2", "a"), Track("m3", "a")], CancellationToken.None);

        Assert.Equal(["m1", "m2"], _sent[0].Events.Select(e => e.MessageId));
        Assert.Equal(["m3"], _sent[1].Events.Select(e => e.MessageId));
        _producer.Verify(p => p.SendAsync(It.IsAny<EventDataBatch>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public void ToEventData_BodyIsTheMessageJson()
    {
        var data = EventHubsEventStream.ToEventData(Track("m1", "a"));

        var message = JsonSerializer.Deserialize<Message>(data.EventBody.ToArray(), CdpJson.Options)!;
        Assert.Equal("m1", message.MessageId);
        Assert.Equal(MessageType.Track, message.Type);
        Assert.Equal("application/json", data.ContentType);
        Assert.Contains("\"type\":\"track\"", data.EventBody.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishAsync_SendFails_Throws()
    {
        _producer.Setup(p => p.SendAsync(It.IsAny<EventDataBatch>(), It.IsAny<CancellationToken>())).ThrowsAsync(new EventHubsException(true, "hub"));
        var stream = new EventHubsEventStream(_producer.Object);

        await Assert.ThrowsAsync<EventHubsException>(() => stream.PublishAsync([Track("m1", "a")], CancellationToken.None));
    }
}
