using System.Text.Json.Serialization;

namespace Cdp.Core.Privacy;

/// <summary>
/// An erasure (right to be forgotten): what it covers, captured when it was requested, and how far it went. Once
/// <see cref="ErasureStatus.Completed"/> it is the receipt: each step with how many items it removed; the profile
/// ids it needed on the way to find dead letters (<see cref="Mentions"/>) are gone by then. It never holds an
/// identifier's value, only its index key.
/// </summary>
/// <param name="Id">Derived from what is erased (the person's profile, or an identifier nobody holds): asking again finds the same erasure.</param>
/// <param name="Subject">What was asked for: <c>profile:{id}</c> or <c>identifier:{type}</c> (never the value).</param>
/// <param name="ProfileIds">The person's profile ids: the live profile and every profile merged into it.</param>
/// <param name="IdentifierKeys">The identity index's keyed hashes of the person's identifiers; they stay suppressed.</param>
/// <param name="Mentions">The person's profile ids, to find dead letters that mention them (with <see cref="IdentifierKeys"/>: no identifier value is kept); cleared on completion. Erasures recorded before 2026-12-03 also list raw identifier values here.</param>
public sealed record Erasure(
    string Id,
    string Subject,
    ErasureStatus Status,
    DateTimeOffset RequestedAt,
    IReadOnlyList<string> ProfileIds,
    IReadOnlyList<string> IdentifierKeys,
    IReadOnlyList<string>? Mentions,
    IReadOnlyList<ErasureStepDone> Steps,
    string? Reason = null,
    DateTimeOffset? CompletedAt = null,
    int SchemaVersion = 1)
{
    public bool Done(string step) => Steps.Any(s => s.Step == step);

    /// <summary>What the API shows (and the receipt is): no raw value, the identifiers only counted.</summary>
    public ErasureView ToView() => new(Id, Subject, Status, RequestedAt, CompletedAt, Reason, ProfileIds, IdentifierKeys.Count, Steps);
}

/// <summary>An erasure as the API shows it; once <see cref="ErasureStatus.Completed"/>, the receipt.</summary>
public sealed record ErasureView(
    string Id,
    string Subject,
    ErasureStatus Status,
    DateTimeOffset RequestedAt,
    DateTimeOffset? CompletedAt,
    string? Reason,
    IReadOnlyList<string> ProfileIds,
    int IdentifiersSuppressed,
    IReadOnlyList<ErasureStepDone> Steps);

/// <summary>One step of an erasure, done: what it removed (<see cref="Removed"/> items) and when.</summary>
public sealed record ErasureStepDone(string Step, int Removed, DateTimeOffset At);

[JsonConverter(typeof(JsonStringEnumConverter<ErasureStatus>))]
public enum ErasureStatus
{
    /// <summary>Requested; steps run (or resume) until every one is done.</summary>
    Running,

    /// <summary>Every step done: the record is the receipt.</summary>
    Completed,
}

/// <summary>An erasure as stored, with the tag to replace it against.</summary>
public sealed record StoredErasure(Erasure Erasure, string VersionTag);

/// <summary>Erasure records by id, with optimistic concurrency (as the definition stores).</summary>
public interface IErasureStore
{
    Task<StoredErasure?> GetAsync(string erasureId, CancellationToken cancellationToken);

    /// <summary>Every erasure, by id (an admin list: erasures are rare).</summary>
    Task<IReadOnlyList<Erasure>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Creates (<paramref name="versionTag"/> null) or replaces; the new tag, or null when the tag is stale or the id taken.</summary>
    Task<string?> TryPutAsync(Erasure erasure, string? versionTag, CancellationToken cancellationToken);
}

/// <summary>
/// Runs erasures to the end in the background: a Durable orchestration (one activity per step) in the Function App
/// and in Cdp.Local's in-process host; started again for unfinished records when Cdp.Local starts.
/// </summary>
public interface IErasureRunner
{
    /// <summary>Starts running the erasure; starting one that runs or ran already changes nothing.</summary>
    Task StartAsync(string erasureId, CancellationToken cancellationToken);
}
