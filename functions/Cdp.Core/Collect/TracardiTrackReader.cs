using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cdp.Core.Collect;

/// <summary>
/// Reads a Tracardi-style track body into Segment track messages:
/// <c>{"source":{"id"},"session":{"id"},"profile":{"id"}?,"context"?,"properties"?,"events":[{"type","properties"?,"context"?,"options"?}]}</c>.
/// Each event becomes a <c>track</c> whose event name is the event's <c>type</c>, whose anonymous id is the
/// session id, and whose context is the body's context under the event's own. <c>source.id</c> plays the
/// write key; <c>profile.id</c> is the profile id the client was given before (a hint for ingest).
/// </summary>
public static class TracardiTrackReader
{
    public static TracardiRead Read(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var errors = new FieldErrors();
        var sessionId = StringAt(json["session"] as JsonObject, "id");
        if (sessionId is null)
        {
            errors.Add("session.id", "'session.id' is required: it identifies the visitor's session.");
        }

        var profileId = StringAt(json["profile"] as JsonObject, "id");
        var context = json["context"] as JsonObject;
        var properties = json["properties"] as JsonObject;
        if (json["events"] is not JsonArray { Count: > 0 } events)
        {
            errors.Add("events", "'events' must be a non-empty array.");
            return new TracardiRead([], errors.ToDictionary(), profileId);
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
                ["anonymousId"] = sessionId,
                ["properties"] = JsonMerge.Merge(properties, ev["properties"] as JsonObject),
                ["context"] = JsonMerge.Merge(context, ev["context"] as JsonObject),
            };
            if (ev["options"] is JsonObject options)
            {
                message["integrations"] = options.DeepClone();
            }

            items.Add(message);
        }

        return new TracardiRead(items, errors.ToDictionary(), profileId);
    }

    private static string? StringAt(JsonObject? json, string field) =>
        json?[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetValue<string>())
            ? value.GetValue<string>()
            : null;
}

/// <summary>The track messages read from a Tracardi body, the problems found, and the client's profile id hint.</summary>
public sealed record TracardiRead(IReadOnlyList<JsonObject> Items, IReadOnlyDictionary<string, string[]> Errors, string? ProfileId);

/// <summary>The collect result of a Tracardi request and the profile id the client should keep.</summary>
public sealed record TracardiTrackResult(CollectResult Result, string? ProfileId);
