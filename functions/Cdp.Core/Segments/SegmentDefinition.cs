using System.Text.Json.Serialization;

namespace Cdp.Core.Segments;

/// <summary>
/// A segment as data: its rule (<see cref="RuleCompiler"/>), whether it is evaluated (<see cref="SegmentStatus"/>),
/// its version (one more each time the rule or status changes) and the back-fill of that version over the
/// profiles that existed before it.
/// </summary>
public sealed record SegmentDefinition(
    string Id,
    string Name,
    string? Description,
    string Rule,
    SegmentStatus Status,
    long Version,
    DateTimeOffset UpdatedAt,
    SegmentBackfill? Backfill = null,
    int SchemaVersion = 1,
    SegmentFailure? Failing = null);

/// <summary>
/// Evaluations of one segment version that failed (the rule threw on a profile's values): how many, the latest error,
/// and when the first and the last happened. Such a profile keeps its membership as it was; nothing else stops.
/// </summary>
public sealed record SegmentFailure(long Version, long Count, string Error, DateTimeOffset FirstAt, DateTimeOffset LastAt);

[JsonConverter(typeof(JsonStringEnumConverter<SegmentStatus>))]
public enum SegmentStatus
{
    /// <summary>Evaluated on every relevant profile change.</summary>
    Active,

    /// <summary>Not evaluated; memberships stay as they were.</summary>
    Paused,

    /// <summary>Being deleted: a back-fill takes every member out (exits recorded), then the definition goes.</summary>
    Deleting,
}

/// <summary>
/// The back-fill of one segment version: profiles are read page by page, <see cref="After"/> is the position
/// after the last page done (so the job resumes there; opaque, from <see cref="IProfileCatalog"/>),
/// <see cref="Processed"/> how many profiles were evaluated.
/// </summary>
public sealed record SegmentBackfill(long Version, string? After, long Processed, bool Done, DateTimeOffset? CompletedAt = null);

/// <summary>A segment definition as stored, with the tag to replace it against.</summary>
public sealed record StoredSegment(SegmentDefinition Definition, string VersionTag);

/// <summary>Segment definitions by id, with optimistic concurrency (as <see cref="Profiles.IProfileStore"/>).</summary>
public interface ISegmentStore
{
    Task<StoredSegment?> GetAsync(string segmentId, CancellationToken cancellationToken);

    /// <summary>Every definition, by id.</summary>
    Task<IReadOnlyList<SegmentDefinition>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Creates (<paramref name="versionTag"/> null) or replaces the definition; the new tag, or null when the tag is stale or the id taken.</summary>
    Task<string?> TryPutAsync(SegmentDefinition definition, string? versionTag, CancellationToken cancellationToken);

    /// <summary>Deletes the definition; false when there was none.</summary>
    Task<bool> DeleteAsync(string segmentId, CancellationToken cancellationToken);
}

/// <summary>A profile entering or leaving a segment, as the journeys consume it.</summary>
/// <param name="Id">Derived from the segment, the profile and the profile version that recorded it: recording it again changes nothing.</param>
public sealed record SegmentTransition(string Id, string SegmentId, string ProfileId, SegmentTransitionKind Kind, DateTimeOffset At, long ProfileVersion)
{
    public static SegmentTransition Of(string segmentId, string profileId, SegmentTransitionKind kind, DateTimeOffset at, long profileVersion) =>
        new($"{segmentId}:{profileId}:{profileVersion}", segmentId, profileId, kind, at, profileVersion);
}

[JsonConverter(typeof(JsonStringEnumConverter<SegmentTransitionKind>))]
public enum SegmentTransitionKind
{
    Entered,
    Exited,
}

/// <summary>
/// Where segment transitions go (<c>SegmentEntered</c>/<c>SegmentExited</c>): recorded once per id, listed per
/// segment, and the members they leave counted (a segment's size).
/// </summary>
/// <remarks>
/// Transitions are kept for at least <see cref="Retention"/> after they were recorded, then expire (Cosmos DB: the
/// item's <c>ttl</c>; SQLite: pruned), so the history does not grow for ever. Memberships and the member count do
/// not expire: the count is kept as transitions are recorded (and erased), never by reading the members.
/// </remarks>
public interface ISegmentTransitions
{
    /// <summary>How long a recorded transition is kept (the segment's transition feed and a person's export read them).</summary>
    static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    Task RecordAsync(IReadOnlyList<SegmentTransition> transitions, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> transitions of a segment, newest first.</summary>
    Task<IReadOnlyList<SegmentTransition>> ListAsync(string segmentId, int max, CancellationToken cancellationToken);

    /// <summary>How many profiles are in the segment now (entered and not exited since).</summary>
    Task<long> CountMembersAsync(string segmentId, CancellationToken cancellationToken);

    /// <summary>
    /// Every transition of one profile, in every segment (deleted segments' included), oldest first: a person's segment
    /// history, for export. Reads across segments (rare: exports).
    /// </summary>
    Task<IReadOnlyList<SegmentTransition>> ListForProfileAsync(string profileId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the profile's transitions and memberships in every segment, deleted segments' included (an erasure; it
    /// no longer counts); how many items.
    /// </summary>
    Task<int> DeleteForProfileAsync(string profileId, CancellationToken cancellationToken);
}

/// <summary>
/// When profiles must be evaluated again because a time condition turns (e.g. last purchase + 30 days): an
/// instant per profile, read back once due.
/// </summary>
public interface ISegmentSchedule
{
    /// <summary>Asks for <paramref name="profileId"/> to be evaluated at <paramref name="at"/> (asking again for the same instant changes nothing).</summary>
    Task ScheduleAsync(string profileId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> evaluations due at <paramref name="now"/>, earliest first.</summary>
    Task<IReadOnlyList<ScheduledEvaluation>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>Removes an evaluation once done.</summary>
    Task CompleteAsync(ScheduledEvaluation evaluation, CancellationToken cancellationToken);
}

public sealed record ScheduledEvaluation(string ProfileId, DateTimeOffset At);

/// <summary>Reads every live profile page by page, for jobs that visit them all (segment back-fills).</summary>
public interface IProfileCatalog
{
    /// <summary>
    /// Up to <paramref name="max"/> profiles (redirects included, tombstones not) after <paramref name="position"/>
    /// (from the start when null), and the position to read on from (null after the last page).
    /// </summary>
    Task<ProfilePage> ListAsync(string? position, int max, CancellationToken cancellationToken);
}

/// <summary>A page of stored profiles, and the position of the next page (null when this was the last).</summary>
public sealed record ProfilePage(IReadOnlyList<Profiles.StoredProfile> Profiles, string? Next);
