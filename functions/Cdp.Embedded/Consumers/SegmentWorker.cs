using Cdp.Core.Segments;
using Cdp.Embedded.Streaming;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// Runs the segment jobs on the embedded host, the local counterpart of the Function App's timer function and
/// back-fill orchestration: every second, the profiles whose time conditions are due, and a page of each
/// pending back-fill.
/// </summary>
public sealed class SegmentWorker(SegmentJobs jobs, TimeProvider time, ILogger<SegmentWorker> logger, ConsumerHealth? health = null) : BackgroundService
{
    public const string Name = "segments";

    private readonly ChangeSignal _never = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        ConsumerLoop.RunAsync(Name, StepAsync, _never, time, logger, stoppingToken, health);

    private async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        var worked = await jobs.RunDueAsync(cancellationToken) > 0;
        foreach (var segment in await jobs.PendingBackfillsAsync(cancellationToken))
        {
            if (await jobs.BackfillPageAsync(segment.Id, segment.Version, cancellationToken) is { } progress)
            {
                Logs.SegmentBackfilled(logger, segment.Id, segment.Version, progress.Processed, progress.Done ? " (done)" : string.Empty);
                worked = true;
            }
        }

        return worked;
    }
}
