using Cdp.Core.Segments;
using Cdp.Embedded.Streaming;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// The embedded host's segment jobs, the local counterparts of the cloud's timer function and back-fill
/// orchestration: evaluates the profiles whose time conditions are due, and back-fills new segment versions a
/// page at a time, saving progress after each page (so a restart resumes where it stopped).
/// </summary>
public sealed class SegmentWorker(SegmentEvaluator evaluator, SegmentService segments, IProfileCatalog profiles, TimeProvider time, ILogger<SegmentWorker> logger) : BackgroundService
{
    public const string Name = "segments";

    public const int BatchSize = 100;

    private readonly ChangeSignal _never = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        ConsumerLoop.RunAsync(Name, StepAsync, _never, time, logger, stoppingToken);

    public async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        var worked = await evaluator.RunDueAsync(time.GetUtcNow(), BatchSize, cancellationToken) > 0;
        foreach (var segment in await segments.PendingBackfillsAsync(cancellationToken))
        {
            var progress = await evaluator.BackfillAsync(segment.Backfill!, segment.Id, profiles, BatchSize, cancellationToken);
            await segments.SaveBackfillAsync(segment.Id, progress, cancellationToken);
            Logs.SegmentBackfilled(logger, segment.Id, segment.Version, progress.Processed, progress.Done ? " (done)" : string.Empty);
            worked = true;
        }

        return worked;
    }
}
