using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Microsoft.Extensions.Options;
using PhoneNumbers;

namespace Cdp.Core.Identity;

/// <summary>
/// The identifier rules in force (<see cref="IdentityOptions"/> with defaults applied): reads a message's
/// identifiers (normalized, placeholders dropped, strongest first) and computes the identity index's keyed hash.
/// </summary>
public sealed class IdentityRules
{
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();
    private readonly byte[] _hashKey;
    private readonly Dictionary<string, IdentifierType> _types;

    public IdentityRules(IOptions<IdentityOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _hashKey = Convert.FromBase64String(value.HashKey);
        DefaultRegion = value.DefaultRegion;
        MaxProfilesPerMerge = value.MaxProfilesPerMerge;
        MaxIdentifiersPerProfile = value.MaxIdentifiersPerProfile;
        _types = IdentityDefaults.Types.Keys.Union(value.Types.Keys)
            .ToDictionary(name => name, name => new IdentifierType(name, value.Types.GetValueOrDefault(name) ?? new IdentifierTypeOptions()), StringComparer.Ordinal);
        Types = [.. _types.Values.OrderBy(t => t.Priority).ThenBy(t => t.Name, StringComparer.Ordinal)];
    }

    /// <summary>Every type, strongest first.</summary>
    public IReadOnlyList<IdentifierType> Types { get; }

    public string DefaultRegion { get; }

    public int MaxProfilesPerMerge { get; }

    public int MaxIdentifiersPerProfile { get; }

    public IdentifierType TypeOf(string name) =>
        _types.TryGetValue(name, out var type) ? type : throw new ArgumentException($"'{name}' is not a configured identifier type.", nameof(name));

    public bool IsKnownType(string name) => _types.ContainsKey(name);

    /// <summary>
    /// The message's identifiers: every configured path and <c>context.externalIds</c>, normalized, without
    /// blocked values and repeats, ordered strongest first (then by value, so the order never depends on the JSON).
    /// </summary>
    public List<Identifier> IdentifiersOf(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var found = new List<Identifier>(4);
        foreach (var type in Types)
        {
            foreach (var path in type.Paths)
            {
                foreach (var raw in Read(message, path))
                {
                    Add(found, type, raw);
                }
            }
        }

        if (message.Context?["externalIds"] is JsonArray externalIds)
        {
            foreach (var entry in externalIds.OfType<JsonObject>())
            {
                if (Text(entry["type"]) is { } typeName && _types.TryGetValue(typeName, out var type) && Text(entry["id"]) is { } raw)
                {
                    Add(found, type, raw);
                }
            }
        }

        if (found.Count > 1)
        {
            found.Sort((a, b) => Compare(a, b));
        }

        return found;
    }

    /// <summary>Strongest type first, then by value.</summary>
    public int Compare(Identifier a, Identifier b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var byPriority = TypeOf(a.Type).Priority.CompareTo(TypeOf(b.Type).Priority);
        return byPriority != 0 ? byPriority : string.CompareOrdinal(a.Value, b.Value);
    }

    /// <summary>The value normalized for its type, or null when it is unusable (blocked, or not a phone number).</summary>
    public string? Normalize(IdentifierType type, string raw)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(raw);
        var value = type.Normalization switch
        {
            IdentifierNormalization.Email => raw.Trim().ToLowerInvariant(),
            IdentifierNormalization.Phone => ToE164(raw),
            _ => raw.Trim(),
        };
        return value is null || type.IsBlocked(value) ? null : value;
    }

    /// <summary>Parses <c>type:value</c> as given to the API, normalized like a message's identifier.</summary>
    public bool TryParse(string? text, [NotNullWhen(true)] out Identifier? identifier)
    {
        identifier = null;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (text is null || colon <= 0 || !_types.TryGetValue(text[..colon], out var type) || Normalize(type, text[(colon + 1)..]) is not { } value)
        {
            return false;
        }

        identifier = new Identifier(type.Name, value);
        return true;
    }

    /// <summary>
    /// The identity index's key: <c>{type}:{hash}</c>, the hash being HMAC-SHA256 of type and value under the
    /// deployment's secret, in base64url. Safe in any store's ids; the raw value cannot be recovered from it.
    /// </summary>
    public string KeyOf(Identifier identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var input = Encoding.UTF8.GetBytes($"{identifier.Type}\n{identifier.Value}");
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_hashKey, input, hash);
        return $"{identifier.Type}:{Base64Url.EncodeToString(hash)}";
    }

    private void Add(List<Identifier> found, IdentifierType type, string raw)
    {
        if (Normalize(type, raw) is { } value)
        {
            var identifier = new Identifier(type.Name, value);
            if (!found.Contains(identifier))
            {
                found.Add(identifier);
            }
        }
    }

    private string? ToE164(string raw)
    {
        try
        {
            var number = Phones.Parse(raw, DefaultRegion);
            return Phones.IsValidNumber(number) ? Phones.Format(number, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Read(Message message, string path)
    {
        switch (path)
        {
            case "userId":
                return Single(message.UserId);
            case "anonymousId":
                return Single(message.AnonymousId);
            case "previousId":
                return Single(message.Type == MessageType.Alias ? message.PreviousId : null);
        }

        var dot = path.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return [];
        }

        var rest = path[(dot + 1)..];
        return path[..dot] switch
        {
            // A person's traits: identify's own (a group's top-level traits are the group's), and context.traits on any message.
            "traits" => Single(Text(At(message.Type == MessageType.Group ? null : message.Traits, rest)))
                .Concat(Single(Text(At(message.Context?["traits"] as JsonObject, rest)))),
            "properties" => Single(Text(At(message.Properties, rest))),
            "context" => Single(Text(At(message.Context, rest))),
            _ => [],
        };
    }

    private static IEnumerable<string> Single(string? value) => value is null ? [] : [value];

    private static JsonNode? At(JsonObject? root, string path)
    {
        JsonNode? node = root;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }

        return node;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        }
        : null;
}
