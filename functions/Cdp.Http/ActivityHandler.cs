using Cdp.Core.Activity;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Http;

/// <summary><c>GET /api/activity?minutes=N</c> (admin): messages collected and applied, merges and dead letters per minute over every instance, and ingest's lag.</summary>
public sealed class ActivityHandler(ActivityService activity)
{
    public const int DefaultMinutes = 60;

    public async Task<IResult> GetAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (minutes, problem) = QueryLimit.Read(request, DefaultMinutes, ActivityService.MaxMinutes, "The activity query is not valid.", "minutes");
        return problem ?? TypedResults.Ok(await activity.ReportAsync(minutes, cancellationToken));
    }
}

/// <summary>
/// Writes this instance's activity minutes every <see cref="ActivityService.FlushEvery"/> and once more on the way down,
/// so the overview sums every instance. A write that fails is tried at the next (the minutes stay counted meanwhile).
/// </summary>
public sealed partial class ActivityFlusher(ActivityService activity, TimeProvider time, ILogger<ActivityFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ActivityService.FlushEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last flush follows.
        }

        await FlushAsync(CancellationToken.None);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await activity.FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            FlushFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "The activity minutes could not be written; they are tried again at the next flush.")]
    private static partial void FlushFailed(ILogger logger, Exception exception);
}
