using System.Text.Json.Serialization;

namespace Cdp.Core.Profiles;

/// <summary>
/// The stored shape of a profile (JSON, camelCase). Versioned by <see cref="SchemaVersion"/> so that adapters
/// read documents written by older code: version 1 held identifiers as <c>"type:value"</c> strings and no
/// counters, redirects or recent messages. <see cref="Version"/> counts the writes that changed the profile;
/// <see cref="ChangedPaths"/> names what the write that made this version changed (for the change feed's
/// consumers, which re-evaluate only what changed). A <see cref="Deleted"/> document is a tombstone: what an
/// erased profile leaves so that the deletion reaches the change feed (it holds nothing about the person).
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
    IReadOnlyList<string>? ChangedPaths = null,
    bool Deleted = false,
    IReadOnlyDictionary<string, SegmentMembership>? Segments = null)
{
    public const int CurrentSchemaVersion = 2;

    /// <summary>The change path of a deletion.</summary>
    public const string DeletedPath = "deleted";

    private static readonly IReadOnlyDictionary<string, SegmentMembership> Empty = new Dictionary<string, SegmentMembership>();

    /// <summary>The segments the document's profile is in (none for an older document).</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, SegmentMembership> Memberships => Segments ?? Empty;

    /// <summary>The tombstone of a deleted profile, one version after <paramref name="lastVersion"/>.</summary>
    public static ProfileDocument Tombstone(string id, long lastVersion, DateTimeOffset deletedAt) =>
        new(CurrentSchemaVersion, id, deletedAt, deletedAt, [], new Dictionary<string, Trait>(), Version: lastVersion + 1, ChangedPaths: [DeletedPath], Deleted: true);
}

/// <summary>A profile's membership of one segment: since when it is in it.</summary>
public sealed record SegmentMembership(DateTimeOffset Since);
