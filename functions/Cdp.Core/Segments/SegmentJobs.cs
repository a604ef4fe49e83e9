namespace Cdp.Core.Segments;

/// <summary>
/// The segment jobs both hosts run on a clock: evaluating the profiles whose time conditions are due, and
/// back-filling a segment version one page at a time (for a segment being deleted: taking its members out, then
/// removing it) (progress saved after each page, so a restart or a
/// replayed orchestration resumes where it stopped). <c>Cdp.Local</c> runs them from a background worker; the
/// Function App from a timer function and a back-fill orchestration.
/// </summary>
public sealed class SegmentJobs(SegmentEvaluator evaluator, SegmentService segments, IProfileCatalog profiles, TimeProvider time)
{
    /// <summary>How many due evaluations, and how many profiles of a back-fill page, one step takes.</summary>
    public const int PageSize = 100;

    /// <summary>Evaluates what is due now; how many profiles were due.</summary>
    public Task<int> RunDueAsync(CancellationToken cancellationToken) => evaluator.RunDueAsync(time.GetUtcNow(), PageSize, cancellationToken);

    /// <summary>The active segments whose current version is not back-filled yet.</summary>
    public Task<IReadOnlyList<SegmentDefinition>> PendingBackfillsAsync(CancellationToken cancellationToken) => segments.PendingBackfillsAsync(cancellationToken);

    /// <summary>
    /// Back-fills the next page of <paramref name="segmentId"/> at <paramref name="version"/> and saves the progress;
    /// null when there is nothing (left) to do for that version (done, paused, deleted or replaced by a newer one).
    /// </summary>
    public async Task<SegmentBackfill?> BackfillPageAsync(string segmentId, long version, CancellationToken cancellationToken)
    {
        if (await segments.GetAsync(segmentId, cancellationToken) is not { Segment: { Status: SegmentStatus.Active or SegmentStatus.Deleting, Backfill: { Done: false } progress } definition }
            || definition.Version != version || progress.Version != version)
        {
            return null;
        }

        progress = await evaluator.BackfillAsync(progress, segmentId, profiles, PageSize, cancellationToken);
        await segments.SaveBackfillAsync(segmentId, progress, cancellationToken);
        if (progress.Done && definition.Status == SegmentStatus.Deleting)
        {
            await segments.RemoveAsync(segmentId, version, cancellationToken);
        }

        return progress;
    }
}
