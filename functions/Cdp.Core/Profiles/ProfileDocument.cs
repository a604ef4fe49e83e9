namespace Cdp.Core.Profiles;

/// <summary>
/// The stored shape of a profile (JSON, camelCase). Versioned by <see cref="SchemaVersion"/> so that adapters
/// read documents written by older code: version 1 held identifiers as <c>"type:value"</c> strings and no
/// counters, redirects or recent messages. <see cref="Version"/> counts the writes that changed the profile;
/// <see cref="ChangedPaths"/> names what the write that made this version changed (for the change feed's
/// consumers, which re-evaluate only what changed).
/// </summary>
public sealed record ProfileDocument(
    int SchemaVersion,
    string Id,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<ProfileIdentifier> Identifiers,
    IReadOnlyDictionary<string, Trait> Traits,
    ProfileCounters? Counters = null,
    string? MergedInto = null,
    IReadOnlyList<string>? Merged = null,
    IReadOnlyList<string>? RecentMessages = null,
    long Version = 0,
    IReadOnlyList<string>? ChangedPaths = null)
{
    public const int CurrentSchemaVersion = 2;
}
