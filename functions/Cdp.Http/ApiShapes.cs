using System.Text.Json.Nodes;

namespace Cdp.Http;

// The shapes of request bodies the handlers read as JSON themselves (collection reads raw bytes so that a bad message
// is named and kept, not refused by a binder). They describe those bodies in the OpenAPI document and are never
// deserialized into; docs/api.md holds the rules each field follows.

/// <summary>One Segment message: the body of <c>POST /api/v1/{type}</c>, and each entry of a batch.</summary>
/// <param name="Type">identify, track, page, screen, group or alias: must match the endpoint; required in a batch.</param>
/// <param name="UserId">The person's id in the sender's system (numbers are read as text); this or <paramref name="AnonymousId"/> is required.</param>
/// <param name="AnonymousId">A device or browser id.</param>
/// <param name="MessageId">Repeats per source are applied once; generated when absent.</param>
/// <param name="Event">The event name: required for track.</param>
/// <param name="Name">The page or screen name.</param>
/// <param name="GroupId">Required for group.</param>
/// <param name="PreviousId">Required for alias, with <paramref name="UserId"/>.</param>
/// <param name="Traits">The person's traits (a group's own traits for group).</param>
/// <param name="Properties">The event's properties.</param>
/// <param name="Context">Context (ip, userAgent, page, traits, consent…).</param>
/// <param name="Integrations">Kept on the message for destinations.</param>
/// <param name="Timestamp">When the event happened (corrected for the client's clock skew by <paramref name="SentAt"/>).</param>
/// <param name="SentAt">When the client sent it.</param>
/// <param name="WriteKey">The source's write key, when not sent as the HTTP Basic user name.</param>
public sealed record SegmentMessageShape(
    string? Type = null,
    string? UserId = null,
    string? AnonymousId = null,
    string? MessageId = null,
    string? Event = null,
    string? Name = null,
    string? GroupId = null,
    string? PreviousId = null,
    JsonObject? Traits = null,
    JsonObject? Properties = null,
    JsonObject? Context = null,
    JsonObject? Integrations = null,
    DateTimeOffset? Timestamp = null,
    DateTimeOffset? SentAt = null,
    string? WriteKey = null);

/// <summary>The body of <c>POST /api/v1/batch</c>.</summary>
/// <param name="Batch">The messages, each with its <c>type</c>.</param>
/// <param name="Context">Merged under each message's own context.</param>
/// <param name="SentAt">Applies to messages without their own.</param>
/// <param name="WriteKey">The source's write key, when not sent as the HTTP Basic user name.</param>
public sealed record SegmentBatchShape(IReadOnlyList<SegmentMessageShape> Batch, JsonObject? Context = null, DateTimeOffset? SentAt = null, string? WriteKey = null);

/// <summary>The body of <c>POST /api/track</c> (Tracardi-style).</summary>
/// <param name="Source">Its <c>id</c> is the source's write key.</param>
/// <param name="Session">Its <c>id</c> is kept as <c>context.sessionId</c>.</param>
/// <param name="Profile">Its <c>id</c> is the visitor token of an earlier reply, if any.</param>
/// <param name="Context">Merged under each event's context.</param>
/// <param name="Properties">Merged under each event's properties.</param>
/// <param name="Events">The events, each a track message named by its <c>type</c>.</param>
public sealed record TracardiTrackShape(TracardiIdShape Source, IReadOnlyList<TracardiEventShape> Events, TracardiIdShape? Session = null, TracardiIdShape? Profile = null, JsonObject? Context = null, JsonObject? Properties = null);

/// <summary>An object that carries an <c>id</c>.</summary>
public sealed record TracardiIdShape(string Id);

/// <summary>One event of a Tracardi-style track: its <c>type</c> becomes the track event's name; <c>options</c> is kept as integrations.</summary>
public sealed record TracardiEventShape(string Type, JsonObject? Properties = null, JsonObject? Context = null, JsonObject? Options = null);
