using Cdp.Core.Changes;
using Cdp.Core.Profiles;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Segments;

/// <summary>
/// Real-time segmentation from the profile change feed. For each change it (1) records the transitions the
/// change itself carries (<c>segments.{id}</c> paths, written by an earlier evaluation), then (2) evaluates only
/// the segments that read a changed path and the segments that read those (every segment for a new profile),
/// writes memberships that flip (one
/// profile write), and asks to be called again at the next instant a time condition turns
/// (<see cref="ISegmentSchedule"/>). Also evaluates profiles when that instant comes (<see cref="RunDueAsync"/>)
/// and back-fills a segment version over existing profiles (<see cref="BackfillAsync"/>).
/// </summary>
/// <remarks>
/// Idempotent: a membership is written only when it flips, and a transition's id comes from the profile version
/// that recorded it, so redelivered changes record nothing new. A transition is recorded from the change that
/// wrote it, never before the write, so a crash cannot lose nor invent one. A change after missed versions
/// (<see cref="ProfileChange.MissedAfter"/>) is decided on the state: every segment evaluated, and the transitions of
/// the versions missed recorded from the memberships' and remembered exits' versions. A redirect (merged-away profile)
/// leaves all its segments; the survivor is evaluated for everything (its change says <c>merged</c>).
/// </remarks>
public sealed class SegmentEvaluator(
    SegmentCatalog catalog,
    IProfileStore profiles,
    ISegmentTransitions transitions,
    ISegmentSchedule schedule,
    TimeProvider time,
    ILogger<SegmentEvaluator> logger,
    SegmentFailures? failures = null) : IProfileChangeSubscriber
{
    private const int MaxAttempts = 5;
    private const string SegmentPathPrefix = "segments.";

    public async Task OnProfileChangedAsync(ProfileChange change, ProfileChangeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Deleted)
        {
            return;
        }

        await RecordTransitionsAsync(change.Profile, change.MissedAfter, cancellationToken);
        var segments = await catalog.CurrentAsync(cancellationToken);
        // A new profile (version 1) was never evaluated, and after missed versions what changed is unknown: every
        // segment, decided on the state; otherwise only what the change can flip.
        var affected = change.Profile.MergedInto is not null ? []
            : change.Profile.Version == 1 || change.MissedAfter is not null ? segments.Ordered
            : segments.Affected(change.Profile.ChangedPaths);
        if (affected.Count > 0 || (change.Profile.MergedInto is not null && change.Profile.Memberships.Count > 0))
        {
            await EvaluateAsync(change.Profile, change.VersionTag, affected, cancellationToken);
        }

        await FlushFailuresAsync(cancellationToken);
    }

    /// <summary>Evaluates the profiles whose time conditions turn by <paramref name="now"/>; how many were due.</summary>
    public async Task<int> RunDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        var due = await schedule.DueAsync(now, max, cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        var segments = await catalog.CurrentAsync(cancellationToken);
        var timeBased = segments.WithReaders(segments.TimeBased);
        foreach (var evaluation in due)
        {
            if (await profiles.GetAsync(evaluation.ProfileId, cancellationToken) is { } stored)
            {
                await EvaluateAsync(stored.Profile.ToDocument(), stored.VersionTag, timeBased, cancellationToken, now);
            }

            await schedule.CompleteAsync(evaluation, cancellationToken);
        }

        await FlushFailuresAsync(cancellationToken);
        return due.Count;
    }

    /// <summary>
    /// Evaluates one page of profiles (after <see cref="SegmentBackfill.After"/>) for <paramref name="segmentId"/> and
    /// the segments that read it; returns the back-fill's progress (done after the last page).
    /// </summary>
    public async Task<SegmentBackfill> BackfillAsync(SegmentBackfill progress, string segmentId, IProfileCatalog catalogOfProfiles, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(catalogOfProfiles);
        var segments = await catalog.CurrentAsync(cancellationToken);
        var segment = segments.Find(segmentId);
        if (segment?.Definition.Version != progress.Version)
        {
            // This instance's catalog is older than the version being back-filled (saved through another instance):
            // read again; a page is never counted done without being evaluated with its version.
            catalog.Invalidate();
            segments = await catalog.CurrentAsync(cancellationToken);
            segment = segments.Find(segmentId);
            if (segment is not null && segment.Definition.Version != progress.Version)
            {
                throw new ContentionException($"Segment '{segmentId}' is at version {segment.Definition.Version}, not the version {progress.Version} being back-filled; the page is tried again later.");
            }
        }

        var page = await catalogOfProfiles.ListAsync(progress.After, pageSize, cancellationToken);
        if (segment is not null)
        {
            var affected = segments.WithReaders([segment]);
            foreach (var stored in page.Profiles)
            {
                if (stored.Profile.MergedInto is null)
                {
                    await EvaluateAsync(stored.Profile.ToDocument(), stored.VersionTag, affected, cancellationToken);
                }
            }
        }

        await FlushFailuresAsync(cancellationToken);
        var done = page.Next is null;
        return progress with
        {
            After = page.Next ?? progress.After,
            Processed = progress.Processed + page.Profiles.Count,
            Done = done,
            CompletedAt = done ? time.GetUtcNow() : null,
        };
    }

    /// <summary>
    /// Decides <paramref name="affected"/> for the profile and writes the memberships that flip, against the
    /// profile's version tag; when the profile changed meanwhile, decides again on the stored profile.
    /// </summary>
    private async Task EvaluateAsync(ProfileDocument document, string versionTag, IReadOnlyList<CompiledSegment> affected, CancellationToken cancellationToken, DateTimeOffset? at = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var now = at ?? time.GetUtcNow();
            CdpMetrics.SegmentEvaluations.Add(affected.Count);
            var (entered, exited, next) = document.MergedInto is null ? Decide(document, affected, now, failures is null ? LogFailure : failures.Record) : ([], [.. document.Memberships.Keys], null);
            if (next is { } when)
            {
                await schedule.ScheduleAsync(document.Id, when, cancellationToken);
            }

            if (entered.Count == 0 && exited.Count == 0)
            {
                return;
            }

            var profile = Profile.FromDocument(document);
            entered.ForEach(id => profile.Enter(id, now));
            exited.ForEach(id => profile.Exit(id, now));
            if (await profiles.TryReplaceAsync(profile, versionTag, cancellationToken) is not null)
            {
                Logs.SegmentsChanged(logger, document.Id, entered.Count, exited.Count);
                entered.ForEach(id => CdpMetrics.SegmentsEntered.Add(1, KeyValuePair.Create<string, object?>("segment", id)));
                exited.ForEach(id => CdpMetrics.SegmentsExited.Add(1, KeyValuePair.Create<string, object?>("segment", id)));
                return;
            }

            if (attempt == MaxAttempts)
            {
                // Not dropped: the change (or the due evaluation, or the back-fill page) fails and is delivered again.
                throw new InvalidOperationException($"Profile '{document.Id}' changed under {MaxAttempts} segment writes in a row; evaluating it again later.");
            }

            if (await profiles.GetAsync(document.Id, cancellationToken) is not { } stored)
            {
                return; // deleted meanwhile: nothing to be in
            }

            (document, versionTag) = (stored.Profile.ToDocument(), stored.VersionTag);
        }
    }

    /// <summary>
    /// Which of <paramref name="affected"/> the profile enters and leaves at <paramref name="now"/>, and when a time
    /// condition next turns. A rule that throws on the profile's values decides nothing: the membership stays as it
    /// was (segments reading it see that), the failure goes to <paramref name="failed"/>, the other segments go on.
    /// </summary>
    internal static (List<string> Entered, List<string> Exited, DateTimeOffset? Next) Decide(ProfileDocument document, IReadOnlyList<CompiledSegment> affected, DateTimeOffset now, Action<SegmentDefinition, Exception>? failed = null)
    {
        var memberships = document.Memberships;
        var decided = new Dictionary<string, bool>(affected.Count, StringComparer.Ordinal);
        var context = new RuleContext();
        context.Reset(document, now, id => decided.TryGetValue(id, out var member) ? member : memberships.ContainsKey(id));
        List<string> entered = [], exited = [];
        foreach (var segment in affected)
        {
            var id = segment.Definition.Id;
            bool member;
            try
            {
                member = segment.Rule.Evaluate(context);
            }
#pragma warning disable CA1031 // A rule is data: whatever it throws is that segment's failure, never the feed's.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failed?.Invoke(segment.Definition, ex);
                decided[id] = memberships.ContainsKey(id);
                continue;
            }

            decided[id] = member;
            if (member != memberships.ContainsKey(id))
            {
                (member ? entered : exited).Add(id);
            }
        }

        return (entered, exited, context.NextChange);
    }

    private void LogFailure(SegmentDefinition segment, Exception error) =>
        Logs.SegmentEvaluationFailed(logger, segment.Id, segment.Version, 1, $"{error.GetType().Name}: {error.Message}");

    private Task FlushFailuresAsync(CancellationToken cancellationToken) => failures?.FlushDueAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>
    /// Records the transitions a profile write carries: a <c>segments.{id}</c> path is an entry (at the membership's
    /// start) when the profile is in the segment, else an exit (at the time it left). After missed versions
    /// (<paramref name="missedAfter"/>), the transitions of every version after it, from the state: each membership
    /// entered and each remembered exit made since. Ids come from the version that made the transition, so both ways
    /// record the same ones, once.
    /// </summary>
    private async Task RecordTransitionsAsync(ProfileDocument document, long? missedAfter, CancellationToken cancellationToken)
    {
        var found = missedAfter is { } after ? FromState(document, after) : FromPaths(document);
        if (found.Count > 0)
        {
            await transitions.RecordAsync(found, cancellationToken);
        }
    }

    private List<SegmentTransition> FromPaths(ProfileDocument document)
    {
        var found = new List<SegmentTransition>();
        foreach (var path in document.ChangedPaths ?? [])
        {
            if (!path.StartsWith(SegmentPathPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var segmentId = path[SegmentPathPrefix.Length..];
            found.Add(document.Memberships.TryGetValue(segmentId, out var membership)
                ? SegmentTransition.Of(segmentId, document.Id, SegmentTransitionKind.Entered, membership.Since, document.Version)
                : SegmentTransition.Of(segmentId, document.Id, SegmentTransitionKind.Exited, document.SegmentExits?.GetValueOrDefault(segmentId) is { } exit && exit.Version == document.Version ? exit.At : time.GetUtcNow(), document.Version));
        }

        return found;
    }

    private static List<SegmentTransition> FromState(ProfileDocument document, long after)
    {
        var found = new List<SegmentTransition>();
        foreach (var (segmentId, membership) in document.Memberships)
        {
            if (membership.Version > after)
            {
                found.Add(SegmentTransition.Of(segmentId, document.Id, SegmentTransitionKind.Entered, membership.Since, membership.Version));
            }
        }

        foreach (var (segmentId, exit) in document.SegmentExits ?? new Dictionary<string, SegmentExit>())
        {
            if (exit.Version > after)
            {
                if (exit.EnteredVersion > after)
                {
                    found.Add(SegmentTransition.Of(segmentId, document.Id, SegmentTransitionKind.Entered, exit.Since, exit.EnteredVersion));
                }

                found.Add(SegmentTransition.Of(segmentId, document.Id, SegmentTransitionKind.Exited, exit.At, exit.Version));
            }
        }

        return found;
    }
}
