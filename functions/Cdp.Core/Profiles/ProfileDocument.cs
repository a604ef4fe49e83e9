using System.Text.Json.Serialization;

namespace Cdp.Core.Profiles;

/// <summary>
/// The stored shape of a profile (JSON, camelCase). Versioned by <see cref="SchemaVersion"/> so that adapters
/// read documents written by older code: version 1 held identifiers as <c>"type:value"</c> strings and no
/// counters, redirects or recent messages. <see cref="Version"/> counts the writes that changed the profile;
/// <see cref="ChangedPaths"/> names what the write that made this version changed (for the change feed's
/// consumers, which re-evaluate only what changed). A <see cref="Deleted"/> document is a tombstone: what an
/// erased profile leaves so that the deletion reaches the change feed (it holds nothing about the person).
/// <see cref="Claiming"/> holds the index keys (never the values) of identifiers linked whose index entry was not yet
/// seen to name the profile: a crash between the two writes is finished or undone by the next reader (docs/identity.md).
/// <see cref="Moving"/> maps the index key of a device identifier the profile let go of to the profile it is moving
/// to, until the index entry follows: a reader that meets the entry meanwhile finishes the move.
/// <see cref="CatchUp"/> is the version whose change subscribers must handle as a catch-up (from the whole state, not
/// from what that version changed): written by replaying a change-feed dead letter.
/// <see cref="Recent"/> holds the shortened keys of the messages recently applied, separated by spaces (one string costs
/// less in every write than a JSON array); a document written before holds them as the <see cref="RecentMessages"/> array.
/// <see cref="TraceParent"/> is the W3C <c>traceparent</c> of the span that wrote this version (<see cref="CdpTracing"/>).
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
    IReadOnlyDictionary<string, SegmentMembership>? Segments = null,
    IReadOnlyDictionary<string, ProfileConsent>? Consents = null,
    IReadOnlyList<string>? Claiming = null,
    IReadOnlyDictionary<string, string>? Moving = null,
    IReadOnlyDictionary<string, SegmentExit>? SegmentExits = null,
    long? CatchUp = null,
    string? Recent = null,
    string? TraceParent = null)
{
    public const int CurrentSchemaVersion = 2;

    /// <summary>
    /// The most bytes a profile's stored document may have (1 MiB), on every store: Cosmos DB refuses items over 2 MB,
    /// and the embedded store keeps the same bound so that both hosts behave alike. A store refuses a larger one with
    /// <see cref="ProfileTooLargeException"/>.
    /// </summary>
    public const int MaxStoredBytes = 1024 * 1024;

    /// <summary>The change path of a deletion.</summary>
    public const string DeletedPath = "deleted";

    private static readonly IReadOnlyDictionary<string, SegmentMembership> Empty = new Dictionary<string, SegmentMembership>();

    /// <summary>The keys of the messages recently applied: <see cref="Recent"/> split, or an older document's array.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> RecentKeys => Recent is { Length: > 0 } recent ? recent.Split(' ') : RecentMessages ?? [];

    /// <summary>The segments the document's profile is in (none for an older document).</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, SegmentMembership> Memberships => Segments ?? Empty;

    /// <summary>The tombstone of a deleted profile, one version after <paramref name="lastVersion"/>.</summary>
    public static ProfileDocument Tombstone(string id, long lastVersion, DateTimeOffset deletedAt) =>
        new(CurrentSchemaVersion, id, deletedAt, deletedAt, [], new Dictionary<string, Trait>(), Version: lastVersion + 1, ChangedPaths: [DeletedPath], Deleted: true);
}

/// <summary>A profile's membership of one segment: since when it is in it, and the profile version that entered it (0: unknown, older documents).</summary>
public sealed record SegmentMembership(DateTimeOffset Since, long Version = 0);

/// <summary>
/// The latest exit of a segment: the membership that ended (since when, entered in which version) and when and in which
/// version it ended. Kept so that a change-feed consumer that missed the versions still records both transitions.
/// </summary>
public sealed record SegmentExit(DateTimeOffset Since, long EnteredVersion, DateTimeOffset At, long Version);

/// <summary>
/// A consent decision for one purpose: granted or denied, when (event time), by which message and source, and
/// for a grant an optional expiry after which it counts as absent.
/// </summary>
/// <param name="Conflict">Set by merges of earlier versions (a denial kept over a grant); no longer written, still read.</param>
public sealed record ProfileConsent(bool Granted, DateTimeOffset At, string MessageId, string? Source = null, DateTimeOffset? ExpiresAt = null, string? Conflict = null)
{
    /// <summary>
    /// The decision a merge keeps for one purpose: the later by event time, a denial on a tie (<see cref="Supersedes"/>),
    /// then the greater message id, so a merge gives the same answer whichever profile absorbs the other and
    /// whether a decision arrives before or after the merge (decisions.md, 2026-12-03).
    /// </summary>
    public static ProfileConsent Merge(ProfileConsent mine, ProfileConsent theirs)
    {
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(theirs);
        return Supersedes(theirs, mine) ? theirs : mine;
    }

    /// <summary>True when the decision is a grant still in force at <paramref name="now"/>.</summary>
    public bool GrantedAt(DateTimeOffset now) => Granted && (ExpiresAt is null || now < ExpiresAt);

    /// <summary>
    /// A later decision replaces an earlier one; at the same instant a denial replaces a grant (never the reverse), and
    /// between two alike the greater message id wins (a total order: any arrival order ends with the same decision).
    /// </summary>
    public static bool Supersedes(ProfileConsent candidate, ProfileConsent held)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(held);
        if (candidate.At != held.At)
        {
            return candidate.At > held.At;
        }

        return candidate.Granted != held.Granted ? !candidate.Granted : string.CompareOrdinal(candidate.MessageId, held.MessageId) > 0;
    }
}
