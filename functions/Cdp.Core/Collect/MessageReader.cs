using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Events;

namespace Cdp.Core.Collect;

/// <summary>
/// Reads Segment-style messages from JSON and checks their shape per type, collecting every problem with
/// the name of the field it concerns (so that the HTTP reply can name each bad field).
/// </summary>
public static class MessageReader
{
    /// <summary>Segment's limit for one message: 32 KB of JSON.</summary>
    public const int MaxMessageBytes = 32 * 1024;

    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Parses a request body; the error says why it is not JSON.</summary>
    public static JsonNode? Parse(ReadOnlyMemory<byte> body, out string? error)
    {
        if (UnicodeText.Find(body.Span) is [var at, ..])
        {
            error = InvalidText(at);
            return null;
        }

        return ParseChecked(body, out error);
    }

    /// <summary>Parses a body whose text was checked already (<see cref="UnicodeText"/>; the batch endpoint repairs it first).</summary>
    internal static JsonNode? ParseChecked(ReadOnlyMemory<byte> body, out string? error)
    {
        error = null;
        try
        {
            return JsonNode.Parse(body.Span, NodeOptions, DocumentOptions);
        }
        catch (JsonException ex)
        {
            error = $"The body is not valid JSON: {ex.Message}";
            return null;
        }
    }

    /// <summary>Why text is refused: what no string can hold (a byte that is not UTF-8, an escaped lone surrogate), where.</summary>
    public static string InvalidText(int offset) =>
        $"Holds text that is not valid Unicode (a byte that is not UTF-8, or an escaped lone surrogate) at byte {offset} of the request.";

    /// <summary>Reads <paramref name="body"/> as one message of type <paramref name="type"/>.</summary>
    public static MessageReadResult Read(ReadOnlyMemory<byte> body, MessageType type)
    {
        var root = Parse(body, out var error);
        if (error is not null)
        {
            return MessageReadResult.Invalid("body", error);
        }

        return root is JsonObject json ? Read(json, type, string.Empty) : MessageReadResult.Invalid("body", "The body must be a JSON object.");
    }

    /// <summary>
    /// Reads one message of type <paramref name="type"/>; fields are named with <paramref name="prefix"/>
    /// (e.g. <c>batch[3].</c>).
    /// </summary>
    public static MessageReadResult Read(JsonObject json, MessageType type, string prefix)
    {
        ArgumentNullException.ThrowIfNull(json);
        var errors = new FieldErrors(prefix);
        var declaredType = ReadString(json, "type", errors);
        if (declaredType is not null && !string.Equals(declaredType, Name(type), StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("type", $"The message type '{declaredType}' does not match the endpoint '{Name(type)}'.");
        }

        var messageId = ReadString(json, "messageId", errors);
        var userId = ReadId(json, "userId", errors);
        var anonymousId = ReadId(json, "anonymousId", errors);
        if (userId is null && anonymousId is null && !errors.Contains("userId") && !errors.Contains("anonymousId"))
        {
            errors.Add("userId", "Either userId or anonymousId is required.");
        }

        var eventName = ReadString(json, "event", errors);
        if (type == MessageType.Track && string.IsNullOrWhiteSpace(eventName) && !errors.Contains("event"))
        {
            errors.Add("event", "A track message needs a non-empty event name.");
        }

        var groupId = ReadId(json, "groupId", errors);
        if (type == MessageType.Group && groupId is null && !errors.Contains("groupId"))
        {
            errors.Add("groupId", "A group message needs a groupId.");
        }

        var previousId = ReadId(json, "previousId", errors);
        if (type == MessageType.Alias)
        {
            if (previousId is null && !errors.Contains("previousId"))
            {
                errors.Add("previousId", "An alias message needs a previousId.");
            }

            if (userId is null && !errors.Contains("userId"))
            {
                errors.Add("userId", "An alias message needs the userId that previousId becomes.");
            }
        }

        var name = ReadString(json, "name", errors);
        var traits = ReadObject(json, "traits", errors);
        var properties = ReadObject(json, "properties", errors);
        var context = ReadObject(json, "context", errors);
        var integrations = ReadObject(json, "integrations", errors);
        var timestamp = ReadTime(json, "timestamp", errors);
        var sentAt = ReadTime(json, "sentAt", errors);

        if (errors.Count > 0)
        {
            return new MessageReadResult(null, errors.ToDictionary());
        }

        return new MessageReadResult(
            new Message
            {
                MessageId = string.IsNullOrWhiteSpace(messageId) ? string.Empty : messageId,
                Type = type,
                Event = eventName,
                Name = name,
                UserId = userId,
                AnonymousId = anonymousId,
                GroupId = groupId,
                PreviousId = previousId,
                Traits = traits,
                Properties = properties,
                Context = context,
                Integrations = integrations,
                Timestamp = timestamp,
                SentAt = sentAt,
            },
            FieldErrors.None);
    }

    /// <summary>The spec's lower-case name of a message type (the route segment and the <c>type</c> field).</summary>
    public static string Name(MessageType type) => type.ToString().ToLowerInvariant();

    /// <summary>Parses a message type name as the spec writes it (<c>identify</c>, <c>track</c>, …).</summary>
    public static bool TryParseType(string? name, out MessageType type)
    {
        type = default;
        return name is not null
            && !int.TryParse(name, CultureInfo.InvariantCulture, out _)
            && Enum.TryParse(name, ignoreCase: true, out type)
            && Enum.IsDefined(type);
    }

    private static string? ReadString(JsonObject json, string field, FieldErrors errors)
    {
        if (!json.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(field, $"'{field}' must be a string.");
            return null;
        }

        return node.GetValue<string>();
    }

    // Segment accepts numeric ids and treats them as strings; blank ids count as absent.
    private static string? ReadId(JsonObject json, string field, FieldErrors errors)
    {
        if (!json.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }

        var value = node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.Number => node.ToJsonString(),
            _ => null,
        };
        if (value is null)
        {
            errors.Add(field, $"'{field}' must be a string.");
            return null;
        }

        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static JsonObject? ReadObject(JsonObject json, string field, FieldErrors errors)
    {
        if (!json.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonObject obj)
        {
            errors.Add(field, $"'{field}' must be a JSON object.");
            return null;
        }

        // The tree was parsed for this request only: the message takes the node as it is.
        return obj;
    }

    private static DateTimeOffset? ReadTime(JsonObject json, string field, FieldErrors errors)
    {
        var text = ReadString(json, field, errors);
        if (text is null)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            errors.Add(field, $"'{field}' must be an ISO 8601 date and time.");
            return null;
        }

        return value;
    }
}

/// <summary>The message read, or the problems found, by field name.</summary>
public sealed record MessageReadResult(Message? Message, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Message is not null;

    internal static MessageReadResult Invalid(string field, string problem) =>
        new(null, new Dictionary<string, string[]> { [field] = [problem] });
}
