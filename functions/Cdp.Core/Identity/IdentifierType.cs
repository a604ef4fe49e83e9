using System.Text.RegularExpressions;

namespace Cdp.Core.Identity;

/// <summary>One identifier type with its defaults applied: the rules identity resolution follows for it.</summary>
public sealed class IdentifierType
{
    private readonly HashSet<string> _blocked;
    private readonly Regex[] _blockedPatterns;

    internal IdentifierType(string name, IdentifierTypeOptions configured)
    {
        var defaults = IdentityDefaults.Types.GetValueOrDefault(name);
        Name = name;
        Paths = configured.Paths ?? defaults?.Paths ?? [];
        ParsedPaths = [.. Paths.Select(IdentifierPath.Parse)];
        Normalization = configured.Normalize ?? defaults?.Normalize ?? IdentifierNormalization.Trim;
        Priority = configured.Priority ?? defaults?.Priority ?? int.MaxValue;
        Limit = configured.Limit ?? defaults?.Limit ?? IdentityDefaults.CustomLimit;
        FollowsLatest = configured.FollowsLatest ?? defaults?.FollowsLatest ?? false;
        // The built-in placeholders always apply; configuration adds to them (a custom list never lets "" or "null" through).
        _blocked = new HashSet<string>([.. IdentityDefaults.Blocked, .. configured.Blocked ?? []], StringComparer.OrdinalIgnoreCase);
        IEnumerable<string> patterns = Normalization == IdentifierNormalization.Email ? [.. IdentityDefaults.BlockedPatterns, .. IdentityDefaults.BlockedEmailPatterns] : IdentityDefaults.BlockedPatterns;
        patterns = patterns.Concat(configured.BlockedPatterns ?? []);
        _blockedPatterns = [.. patterns.Select(p => new Regex($"^(?:{p})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)))];
    }

    public string Name { get; }

    public IReadOnlyList<string> Paths { get; }

    internal IdentifierPath[] ParsedPaths { get; }

    public string Normalization { get; }

    /// <summary>1 is the strongest.</summary>
    public int Priority { get; }

    public int Limit { get; }

    public bool FollowsLatest { get; }

    /// <summary>True when the (normalized) value is a placeholder that must never be matched, holds a control character, or is longer than <see cref="IdentityDefaults.MaxValueLength"/>.</summary>
    public bool IsBlocked(string normalized)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        if (normalized.Length > IdentityDefaults.MaxValueLength || _blocked.Contains(normalized) || normalized.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || normalized.Contains('\u007f', StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var pattern in _blockedPatterns)
        {
            if (pattern.IsMatch(normalized))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The normalizations an identifier type may use.</summary>
public static class IdentifierNormalization
{
    public const string Trim = "trim";
    public const string Email = "email";
    public const string Phone = "phone";

    public static IReadOnlyList<string> All { get; } = [Trim, Email, Phone];
}

/// <summary>A path split once: its root (<c>userId</c>, <c>traits</c>, ...) and the property names under it.</summary>
internal sealed record IdentifierPath(string Root, string[] Segments)
{
    public static IdentifierPath Parse(string path)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        return dot <= 0 ? new(path, []) : new(path[..dot], path[(dot + 1)..].Split('.'));
    }
}
