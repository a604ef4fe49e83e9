using Cdp.Core.Events;

namespace Cdp.Core.Tests.Collect;

public class MessageTests
{
    private static Message Of(string? userId, string? anonymousId) =>
        new() { MessageId = "m1", Type = MessageType.Track, UserId = userId, AnonymousId = anonymousId };

    [Theory]
    [InlineData("u1", "a1", "a1")]
    [InlineData(null, "a1", "a1")]
    [InlineData("u1", null, "u1")]
    [InlineData(null, null, "m1")]
    public void PartitionKey_AnonymousIdElseUserId(string? userId, string? anonymousId, string expected)
    {
        Assert.Equal(expected, Of(userId, anonymousId).PartitionKey);
    }
}
