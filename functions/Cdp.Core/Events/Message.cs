using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cdp.Core.Events;

/// <summary>
/// One Segment-shaped message (an event), as accepted by the collection API and carried by the event
/// stream. Field names and meanings follow the Segment spec so that existing client libraries work.
/// </summary>
/// <remarks>
/// A message is immutable once stamped: <see cref="MessageId"/> identifies it for de-duplication and
/// <see cref="ReceivedAt"/> is the server's clock at intake. Handlers downstream may see it more than
/// once (every arrow is at-least-once) and must treat a repeat as a no-op.
/// </remarks>
public sealed record Message
{
    public required string MessageId { get; init; }

    public required MessageType Type { get; init; }

    /// <summary>The event name; required for <see cref="MessageType.Track"/>.</summary>
    public string? Event { get; init; }

    public string? UserId { get; init; }

    public string? AnonymousId { get; init; }

    public JsonObject? Traits { get; init; }

    public JsonObject? Properties { get; init; }

    public JsonObject? Context { get; init; }

    /// <summary>When the event happened, by the client's clock (defaults to <see cref="ReceivedAt"/>).</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>When the client sent the message, by the client's clock.</summary>
    public DateTimeOffset? SentAt { get; init; }

    /// <summary>When the server received the message, by the server's clock.</summary>
    public DateTimeOffset? ReceivedAt { get; init; }

    /// <summary>The key that orders a person's messages on the stream: the device first, then the user.</summary>
    /// <remarks>
    /// The anonymous id comes first so that a device's anonymous events and the identify that links it
    /// to a user id land on the same partition, in order.
    /// </remarks>
    [JsonIgnore]
    public string PartitionKey => AnonymousId ?? UserId ?? MessageId;
}
