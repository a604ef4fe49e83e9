using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Cdp.Core.Identity;

/// <summary>A (type, value) pair that names a person, such as <c>user_id:42</c> or <c>anonymous_id:abc</c>.</summary>
public sealed record Identifier(string Type, string Value)
{
    public const string UserId = "user_id";
    public const string AnonymousId = "anonymous_id";

    /// <summary>The types known so far, strongest first (a later issue makes this configuration).</summary>
    public static IReadOnlyList<string> KnownTypes { get; } = [UserId, AnonymousId];

    /// <summary>The identifier as text: <c>{type}:{value}</c>.</summary>
    public override string ToString() => $"{Type}:{Value}";

    /// <summary>
    /// The identity index's key: <c>{type}:{hash}</c>, the hash being SHA-256 of the value in base64url. The
    /// index never holds the raw value, and the key is safe in any store's ids (no '/', '\', '?', '#', '%').
    /// </summary>
    /// <remarks>A later change makes the hash keyed with a per-deployment secret (HMAC), as the design asks.</remarks>
    public string IndexKey => $"{Type}:{Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(Value)))}";

    /// <summary>Parses <c>type:value</c> (the value may itself contain colons).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Identifier? identifier)
    {
        identifier = null;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (text is null || colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        var type = text[..colon];
        var value = text[(colon + 1)..].Trim();
        if (!KnownTypes.Contains(type) || value.Length == 0)
        {
            return false;
        }

        identifier = new Identifier(type, value);
        return true;
    }
}
