using System.Diagnostics.CodeAnalysis;

namespace Cdp.Core.Identity;

/// <summary>A (type, value) pair that names a person, such as <c>user_id:42</c> or <c>anonymous_id:abc</c>.</summary>
public sealed record Identifier(string Type, string Value)
{
    public const string UserId = "user_id";
    public const string AnonymousId = "anonymous_id";

    /// <summary>The types known so far, strongest first (a later issue makes this configuration).</summary>
    public static IReadOnlyList<string> KnownTypes { get; } = [UserId, AnonymousId];

    /// <summary>The index key: <c>{type}:{value}</c>.</summary>
    public override string ToString() => $"{Type}:{Value}";

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
