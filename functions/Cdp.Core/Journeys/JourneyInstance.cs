namespace Cdp.Core.Journeys;

/// <summary>
/// The record of one enrollment, kept by the orchestration through an activity: what the status API, the
/// per-profile list, the metrics and the re-entry policy read. <see cref="Trigger"/> names what enrolled the
/// profile (e.g. <c>segment:vip:12</c>: the segment and the profile version), so a redelivered trigger never
/// enrolls twice. <see cref="Delivered"/> lists the webhook steps whose receiver acknowledged the call, written by
/// the sender as soon as it has the answer, so that an instance resumed at such a step does not call again.
/// </summary>
public sealed record JourneyInstance(
    string InstanceId,
    string JourneyId,
    long JourneyVersion,
    string ProfileId,
    int Enrollment,
    string Trigger,
    JourneyInstanceStatus Status,
    DateTimeOffset StartedAt,
    string? Step = null,
    string? Reason = null,
    DateTimeOffset? EndedAt = null,
    IReadOnlyList<JourneyStepTaken>? History = null,
    int SchemaVersion = 1,
    IReadOnlyList<string>? Delivered = null)
{
    /// <summary>Whether the webhook at step path <paramref name="step"/> was acknowledged (a 2xx answer), as <see cref="Delivered"/> records.</summary>
    public bool WasDelivered(string step) => Delivered?.Contains(step, StringComparer.Ordinal) == true;

    /// <summary>The longest history kept: older steps are dropped (a loop of waits could otherwise grow it without end).</summary>
    public const int MaxHistory = 200;

    /// <summary>The reason an instance ends with when its person is erased.</summary>
    public const string ErasedReason = "erased";

    public bool IsActive => Status is JourneyInstanceStatus.Pending or JourneyInstanceStatus.Running;

    /// <summary>The instance id of an enrollment: <c>{journey}:v{version}:{profile}:{enrollment}</c>.</summary>
    public static string IdFor(string journeyId, long version, string profileId, int enrollment) =>
        FormattableString.Invariant($"{journeyId}:v{version}:{profileId}:{enrollment}");

    /// <summary>The journey id an instance id starts with (journey ids hold no ':'), or null.</summary>
    public static string? JourneyIdOf(string instanceId)
    {
        var colon = instanceId?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return colon > 0 ? instanceId![..colon] : null;
    }

    /// <summary>
    /// Where this instance picks up if its host lost it: the step last reported and, when that report began a wait
    /// (<c>until …</c>), the wait's end. Null when it never reported a step.
    /// </summary>
    public JourneyResume? ResumePoint()
    {
        if (Step is null || History is not { Count: > 0 } history)
        {
            return null;
        }

        var last = history[^1];
        DateTimeOffset? until = last.Step == Step && last.Outcome is { } outcome && outcome.StartsWith(UntilPrefix, StringComparison.Ordinal)
            && DateTimeOffset.TryParse(outcome[UntilPrefix.Length..], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var end)
            ? end : null;
        return new JourneyResume(Step, last.Sequence, until);
    }

    /// <summary>How a wait's report names its end: <c>until {instant, ISO 8601}</c>.</summary>
    public const string UntilPrefix = "until ";

    /// <summary>
    /// Applies what the orchestration reports, once: a report whose <see cref="JourneyReport.Sequence"/> is not
    /// after the last one applied changes nothing (a replayed or retried activity).
    /// </summary>
    public JourneyInstance? Apply(JourneyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var history = History ?? [];
        if (history.Count > 0 && history[^1].Sequence >= report.Sequence)
        {
            return null;
        }

        if (!IsActive && report.Status is not null)
        {
            return null; // ended (terminated by the API meanwhile): the record keeps how it ended
        }

        var taken = new JourneyStepTaken(report.Sequence, report.Step, report.Type, report.At, report.Outcome);
        var next = history.Count >= MaxHistory ? [.. history.Skip(history.Count - MaxHistory + 1), taken] : history.Append(taken).ToList();
        var status = report.Status ?? (Status == JourneyInstanceStatus.Pending ? JourneyInstanceStatus.Running : Status);
        var ended = status is JourneyInstanceStatus.Completed or JourneyInstanceStatus.Exited or JourneyInstanceStatus.Failed or JourneyInstanceStatus.Terminated;
        return this with
        {
            Status = status,
            Step = ended ? null : report.Step,
            Reason = report.Reason ?? Reason,
            EndedAt = ended ? report.At : null,
            History = next,
        };
    }
}

/// <summary>One step an instance took (or how it ended), with the orchestration's time and what came of it.</summary>
public sealed record JourneyStepTaken(int Sequence, string Step, string Type, DateTimeOffset At, string? Outcome = null);

/// <summary>
/// What the orchestration reports to its record (through an activity): the <see cref="Sequence"/>-th step,
/// its path (e.g. <c>steps[2].then[0]</c>) and type, and, at the end, the status and reason.
/// </summary>
public sealed record JourneyReport(
    string InstanceId,
    int Sequence,
    string Step,
    string Type,
    DateTimeOffset At,
    string? Outcome = null,
    JourneyInstanceStatus? Status = null,
    string? Reason = null);

/// <summary>A journey instance as stored, with the tag to replace it against.</summary>
public sealed record StoredJourneyInstance(JourneyInstance Instance, string VersionTag);

/// <summary>A page of instances (by instance id) and where the next page starts (null after the last).</summary>
public sealed record JourneyInstancePage(IReadOnlyList<JourneyInstance> Instances, string? Next)
{
    /// <summary>The page of the first <paramref name="max"/> of <paramref name="ordered"/> (read one more than asked: it tells whether a next page exists).</summary>
    public static JourneyInstancePage Of(IReadOnlyList<JourneyInstance> ordered, int max)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        return ordered.Count > max ? new([.. ordered.Take(max)], ordered[max - 1].InstanceId) : new(ordered, null);
    }
}

/// <summary>Journey definitions by id, with optimistic concurrency (as the segment store).</summary>
public interface IJourneyStore
{
    Task<StoredJourney?> GetAsync(string journeyId, CancellationToken cancellationToken);

    /// <summary>Every definition, by id.</summary>
    Task<IReadOnlyList<JourneyDefinition>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Creates (<paramref name="versionTag"/> null) or replaces; the new tag, or null when the tag is stale or the id taken.</summary>
    Task<string?> TryPutAsync(JourneyDefinition definition, string? versionTag, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the definition for good. <see cref="JourneyService.DeleteAsync"/> does not: it keeps a deleted journey
    /// (<see cref="JourneyDefinition.DeletedAt"/>) as what steers its running instances.
    /// </summary>
    Task<bool> DeleteAsync(string journeyId, CancellationToken cancellationToken);
}

/// <summary>A journey definition as stored, with the tag to replace it against.</summary>
public sealed record StoredJourney(JourneyDefinition Definition, string VersionTag);

/// <summary>
/// The records of journey instances, partitioned by journey: created once per instance id, replaced against
/// their tag, listed per journey (optionally by status, paged by instance id) and per journey and profile.
/// </summary>
public interface IJourneyInstances
{
    /// <summary>Creates the record; false when the instance id is taken.</summary>
    Task<bool> TryCreateAsync(JourneyInstance instance, CancellationToken cancellationToken);

    Task<StoredJourneyInstance?> GetAsync(string journeyId, string instanceId, CancellationToken cancellationToken);

    /// <summary>Replaces the record; false when the tag is stale.</summary>
    Task<bool> TryReplaceAsync(JourneyInstance instance, string versionTag, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> instances of a journey after <paramref name="after"/> (an instance id), by id.</summary>
    Task<JourneyInstancePage> ListAsync(string journeyId, JourneyInstanceStatus? status, string? after, int max, CancellationToken cancellationToken);

    /// <summary>Every instance of one journey for one profile, by enrollment.</summary>
    Task<IReadOnlyList<JourneyInstance>> ListForProfileAsync(string journeyId, string profileId, CancellationToken cancellationToken);

    /// <summary>Every instance of one profile, of any journey (saved or deleted since); an admin query across journeys.</summary>
    Task<IReadOnlyList<JourneyInstance>> ListAllForProfileAsync(string profileId, CancellationToken cancellationToken);

    /// <summary>Deletes the record (an erasure); false when there was none.</summary>
    Task<bool> DeleteAsync(string journeyId, string instanceId, CancellationToken cancellationToken);
}
