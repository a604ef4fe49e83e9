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

    /// <summary>The source the message came in through (set by the collector, never by the client).</summary>
    public string? SourceId { get; init; }

    /// <summary>The event name; required for <see cref="MessageType.Track"/>.</summary>
    public string? Event { get; init; }

    /// <summary>The page or screen name (<see cref="MessageType.Page"/>, <see cref="MessageType.Screen"/>).</summary>
    public string? Name { get; init; }

    /// <summary>The group (account) id; required for <see cref="MessageType.Group"/>.</summary>
    public string? GroupId { get; init; }

    /// <summary>The id the person was known by before; required for <see cref="MessageType.Alias"/>.</summary>
    public string? PreviousId { get; init; }

    /// <summary>
    /// The profile an early-binding collector resolved the message to, used by ingest as a hint when none of the
    /// message's identifiers is known yet. Set by the collector only, never read from a client's body.
    /// </summary>
    public string? ProfileId { get; init; }

    public string? UserId { get; init; }

    public string? AnonymousId { get; init; }

    public JsonObject? Traits { get; init; }

    public JsonObject? Properties { get; init; }

    public JsonObject? Context { get; init; }

    /// <summary>Segment's per-destination switches (<c>{"All": false, "Mixpanel": true}</c>), kept for destinations.</summary>
    public JsonObject? Integrations { get; init; }

    /// <summary>
    /// When the event happened, on the server's time line: the client's timestamp corrected for the
    /// client's clock skew (<c>receivedAt - (sentAt - originalTimestamp)</c>), else <see cref="ReceivedAt"/>.
    /// </summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The timestamp exactly as the client sent it, before clock-skew correction.</summary>
    public DateTimeOffset? OriginalTimestamp { get; init; }

    /// <summary>When the client sent the message, by the client's clock.</summary>
    public DateTimeOffset? SentAt { get; init; }

    /// <summary>When the server received the message, by the server's clock.</summary>
    public DateTimeOffset? ReceivedAt { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the collector's span that accepted the message (<see cref="CdpTracing"/>): ingest's
    /// span for it continues that trace. Set by the collector (a value a client sends is replaced); null when nothing was traced.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>The key that orders messages on the stream: the anonymous id, else the user id.</summary>
    /// <remarks>
    /// The device's anonymous id comes first so that a device's anonymous events and the identify that
    /// links it to a user id are applied in order: applied concurrently, they could each start a profile
    /// for the same person, which a merge would then have to join. Messages of one identified person from
    /// several devices or servers may travel on several partitions; they meet on one profile (merging where
    /// needed) under optimistic concurrency. See docs/decisions.md.
    /// </remarks>
    [JsonIgnore]
    public string PartitionKey => AnonymousId ?? UserId ?? MessageId;
}
