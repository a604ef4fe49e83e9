using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Profiles;
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
    private readonly Comparer<(IdentifierType Type, string Value)> _order;

    // Arrays, not interfaces, on the hot path: a foreach over an interface boxes its enumerator.
    private readonly IdentifierType[] _ordered;

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
        _ordered = [.. _types.Values.OrderBy(t => t.Priority).ThenBy(t => t.Name, StringComparer.Ordinal)];
        _order = Comparer<(IdentifierType Type, string Value)>.Create((a, b) =>
        {
            var byPriority = a.Type.Priority.CompareTo(b.Type.Priority);
            return byPriority != 0 ? byPriority : string.CompareOrdinal(a.Value, b.Value);
        });
    }

    /// <summary>Every type, strongest first.</summary>
    public IReadOnlyList<IdentifierType> Types => _ordered;

    public string DefaultRegion { get; }

    public int MaxProfilesPerMerge { get; }

    public int MaxIdentifiersPerProfile { get; }

    public IdentifierType TypeOf(string name) =>
        _types.TryGetValue(name, out var type) ? type : throw new ArgumentException($"'{name}' is not a configured identifier type.", nameof(name));

    /// <summary>
    /// The message's identifiers: every configured path and <c>context.externalIds</c>, normalized, without
    /// blocked values and repeats, ordered strongest first (then by value, so the order never depends on the JSON).
    /// </summary>
    public List<Identifier> IdentifiersOf(Message message)
    {
        var found = new List<(IdentifierType Type, string Value)>(4);
        Read(message, found);
        return [.. found.Select(f => new Identifier(f.Type.Name, f.Value))];
    }

    /// <summary>
    /// <see cref="IdentifiersOf"/> into a list the caller may reuse (cleared first): the hot path, which
    /// allocates no identifier until it needs one.
    /// </summary>
    internal void Read(Message message, List<(IdentifierType Type, string Value)> found)
    {
        ArgumentNullException.ThrowIfNull(message);
        found.Clear();
        foreach (var type in _ordered)
        {
            foreach (var path in type.ParsedPaths)
            {
                ReadInto(found, type, message, path);
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
            found.Sort(_order);
        }
    }

    /// <summary>The value normalized for its type, or null when it is unusable (blocked, or not a phone number).</summary>
    public string? Normalize(IdentifierType type, string raw)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(raw);
        var value = type.Normalization switch
        {
            IdentifierNormalization.Email => LowerCase(raw.Trim()),
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
    /// A key for another use of the deployment's secret (<paramref name="purpose"/> names it): HMAC-SHA256 of the
    /// purpose under the secret, so no two uses share a key and none reveals the index's.
    /// </summary>
    internal byte[] DeriveKey(string purpose) => HMACSHA256.HashData(_hashKey, Encoding.UTF8.GetBytes(purpose));

    /// <summary>
    /// The identity index's key: <c>{type}:{hash}</c>, the hash being HMAC-SHA256 of type and value under the
    /// deployment's secret, in base64url. Safe in any store's ids; the raw value cannot be recovered from it.
    /// </summary>
    public string KeyOf(Identifier identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var length = Encoding.UTF8.GetMaxByteCount(identifier.Type.Length + identifier.Value.Length + 1);
        var rented = length <= 512 ? null : new byte[length];
        Span<byte> input = rented ?? stackalloc byte[512];
        var written = Encoding.UTF8.GetBytes(identifier.Type, input);
        input[written++] = (byte)'\n';
        written += Encoding.UTF8.GetBytes(identifier.Value, input[written..]);
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_hashKey, input[..written], hash);
        Span<char> encoded = stackalloc char[Base64Url.GetEncodedLength(HMACSHA256.HashSizeInBytes)];
        Base64Url.EncodeToChars(hash, encoded);
        return string.Concat(identifier.Type, ":", encoded);
    }

    private void Add(List<(IdentifierType Type, string Value)> found, IdentifierType type, string raw)
    {
        if (Normalize(type, raw) is { } value && !found.Contains((type, value)))
        {
            found.Add((type, value));
        }
    }

    private static string LowerCase(string value)
    {
        foreach (var c in value)
        {
            if (char.ToLowerInvariant(c) != c)
            {
                return value.ToLowerInvariant();
            }
        }

        return value;
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

    /// <summary>Adds the value(s) at <paramref name="path"/> (see <see cref="IdentifierTypeOptions.Paths"/>).</summary>
    private void ReadInto(List<(IdentifierType Type, string Value)> found, IdentifierType type, Message message, IdentifierPath path)
    {
        switch (path.Root)
        {
            case "userId":
                AddText(found, type, message.UserId);
                break;
            case "anonymousId":
                AddText(found, type, message.AnonymousId);
                break;
            case "previousId":
                AddText(found, type, message.Type == MessageType.Alias ? message.PreviousId : null);
                break;
            case "traits":
                // A person's traits: identify's own (a group's top-level traits are the group's), and context.traits on any message.
                AddText(found, type, Text(At(message.Type == MessageType.Group ? null : message.Traits, path.Segments)));
                AddText(found, type, Text(At(message.Context?["traits"] as JsonObject, path.Segments)));
                break;
            case "properties":
                AddText(found, type, Text(At(message.Properties, path.Segments)));
                break;
            case "context":
                AddText(found, type, Text(At(message.Context, path.Segments)));
                break;
        }
    }

    private void AddText(List<(IdentifierType Type, string Value)> found, IdentifierType type, string? raw)
    {
        if (raw is not null)
        {
            Add(found, type, raw);
        }
    }

    private static JsonNode? At(JsonObject? root, string[] segments)
    {
        JsonNode? node = root;
        foreach (var part in segments)
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
