using System.Text;
using Cdp.Core.Collect;
using Cdp.Core.Events;
using Cdp.Core.Streaming;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Collect;

public class CollectServiceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingStream _stream = new();

    private CollectService Service => new(_stream, _time, NullLogger<CollectService>.Instance);

    [Fact]
    public async Task CollectAsync_ValidMessage_StampsAndPublishes()
    {
        var result = await Service.CollectAsync(Encoding.UTF8.GetBytes("""{"anonymousId":"a1","event":"Viewed"}"""), MessageType.Track, CancellationToken.None);

        var published = Assert.Single(_stream.Published);
        Assert.Same(result.Accepted, published);
        Assert.Equal(_time.GetUtcNow(), published.ReceivedAt);
        Assert.Equal(_time.GetUtcNow(), published.Timestamp);
        Assert.True(Guid.TryParse(published.MessageId, out _));
    }

    [Fact]
    public async Task CollectAsync_ClientMessageIdAndTimestamp_AreKept()
    {
        var result = await Service.CollectAsync(
            Encoding.UTF8.GetBytes("""{"userId":"u1","messageId":"m-1","timestamp":"2026-11-27T00:00:00Z"}"""),
            MessageType.Identify,
            CancellationToken.None);

        Assert.Equal("m-1", result.Accepted!.MessageId);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero), result.Accepted.Timestamp);
    }

    [Fact]
    public async Task CollectAsync_InvalidMessage_PublishesNothing()
    {
        var result = await Service.CollectAsync(Encoding.UTF8.GetBytes("""{"event":"Viewed"}"""), MessageType.Track, CancellationToken.None);

        Assert.Null(result.Accepted);
        Assert.Contains("userId", result.Errors.Keys);
        Assert.Empty(_stream.Published);
    }

    private sealed class RecordingStream : IEventStream
    {
        public List<Message> Published { get; } = [];

        public Task PublishAsync(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
        {
            Published.AddRange(messages);
            return Task.CompletedTask;
        }
    }
}
