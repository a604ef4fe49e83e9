using System.Text.Json.Nodes;
using Cdp.Core.Events;

namespace Cdp.Embedded.Tests;

internal static class Messages
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    public static Message Track(string id, string? anonymousId = null, string? userId = null, DateTimeOffset? at = null) => new()
    {
        MessageId = id,
        Type = MessageType.Track,
        Event = "Viewed",
        AnonymousId = anonymousId,
        UserId = userId,
        Timestamp = at ?? T0,
        ReceivedAt = at ?? T0,
    };

    public static Message Identify(string id, string? anonymousId, string? userId, JsonObject? traits = null, DateTimeOffset? at = null) => new()
    {
        MessageId = id,
        Type = MessageType.Identify,
        AnonymousId = anonymousId,
        UserId = userId,
        Traits = traits,
        Timestamp = at ?? T0,
        ReceivedAt = at ?? T0,
    };
}
