using System.Text.Json.Nodes;
using Cdp.Core.Events;

namespace Cdp.Core.Tests.Identity;

/// <summary>Messages for identity tests: an identify by default, at <c>T0 + minutes</c>.</summary>
internal static class Events
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    public static Message Identify(string id, double minutes, string? userId = null, string? anonymousId = null, string? email = null, JsonObject? traits = null, string source = "web", string? phone = null)
    {
        traits = traits is null ? [] : (JsonObject)traits.DeepClone();
        if (email is not null)
        {
            traits["email"] = email;
        }

        if (phone is not null)
        {
            traits["phone"] = phone;
        }

        return new Message
        {
            MessageId = id,
            Type = MessageType.Identify,
            SourceId = source,
            UserId = userId,
            AnonymousId = anonymousId,
            Traits = traits,
            Timestamp = T0.AddMinutes(minutes),
            ReceivedAt = T0.AddMinutes(minutes),
        };
    }

    public static Message Track(string id, double minutes, string? userId = null, string? anonymousId = null, JsonObject? properties = null, string source = "web") => new()
    {
        MessageId = id,
        Type = MessageType.Track,
        Event = "Viewed",
        SourceId = source,
        UserId = userId,
        AnonymousId = anonymousId,
        Properties = properties,
        Timestamp = T0.AddMinutes(minutes),
        ReceivedAt = T0.AddMinutes(minutes),
    };
}
