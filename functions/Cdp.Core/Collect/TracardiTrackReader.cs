using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cdp.Core.Collect;

/// <summary>
/// Reads a Tracardi-style track body into Segment track messages:
/// <c>{"source":{"id"},"session":{"id"},"profile":{"id"}?,"context"?,"properties"?,"events":[{"type","properties"?,"context"?,"options"?}]}</c>.
/// Each event becomes a <c>track</c> whose event name is the event's <c>type</c>, whose anonymous id is the
/// visitor (the session id, unless a verified <c>profile.id</c> token names the visitor's first session), and whose
/// context is the body's context under the event's own, with the session id as <c>context.sessionId</c>.
/// <c>source.id</c> plays the write key; <c>profile.id</c> is the token a reply gave the client before
/// (<see cref="VisitorTokens"/>), verified by the collector.
/// </summary>
public static class TracardiTrackReader
{
    public static TracardiRead Read(JsonObject json) => Read(json, _ => null);

    /// <summary>Reads the body; <paramref name="visitorOf"/> turns a <c>profile.id</c> token into the visitor it names, or null when it is not one.</summary>
    public static TracardiRead Read(JsonObject json, Func<string, string?> visitorOf)
    {
        ArgumentNullException.ThrowIfNull(visitorOf);
        ArgumentNullException.ThrowIfNull(json);
        var errors = new FieldErrors();
        var sessionId = StringAt(json["session"] as JsonObject, "id");
        if (sessionId is null)
        {
            errors.Add("session.id", "'session.id' is required: it identifies the visitor's session.");
        }

        var token = StringAt(json["profile"] as JsonObject, "id");
        var verified = token is null ? null : visitorOf(token);
        var visitorId = verified ?? sessionId;
        var context = json["context"] as JsonObject;
        var properties = json["properties"] as JsonObject;
        if (json["events"] is not JsonArray { Count: > 0 } events)
        {
            errors.Add("events", "'events' must be a non-empty array.");
            return new TracardiRead([], errors.ToDictionary(), visitorId, token is not null && verified is null);
        }

        var items = new List<JsonObject>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is not JsonObject ev)
            {
                errors.Add($"events[{i}]", "Each event must be a JSON object.");
                continue;
            }

            var message = new JsonObject
            {
                ["type"] = "track",
                ["event"] = ev["type"]?.DeepClone(),
                ["anonymousId"] = visitorId,
                ["properties"] = JsonMerge.Merge(properties, ev["properties"] as JsonObject),
                ["context"] = JsonMerge.Merge(context, ev["context"] as JsonObject) ?? [],
            };
            message["context"]!["sessionId"] = sessionId;
            if (ev["options"] is JsonObject options)
            {
                message["integrations"] = options.DeepClone();
            }

            items.Add(message);
        }

        return new TracardiRead(items, errors.ToDictionary(), visitorId, token is not null && verified is null);
    }

    private static string? StringAt(JsonObject? json, string field) =>
        json?[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetValue<string>())
            ? value.GetValue<string>()
            : null;
}

/// <summary>
/// The track messages read from a Tracardi body, the problems found, the visitor they are about (null without a
/// session id), and whether a <c>profile.id</c> was sent that is not a token of this source (ignored).
/// </summary>
public sealed record TracardiRead(IReadOnlyList<JsonObject> Items, IReadOnlyDictionary<string, string[]> Errors, string? VisitorId, bool TokenRefused);

/// <summary>The collect result of a Tracardi request and the token the client keeps as <c>profile.id</c> (null unless accepted).</summary>
public sealed record TracardiTrackResult(CollectResult Result, string? ProfileId);
