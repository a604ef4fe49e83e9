using Cdp.Core.Ingest;
using Cdp.Embedded.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Embedded.Consumers;

/// <summary>Once an hour, forgets processed-message entries older than the retention (7 days).</summary>
public sealed class ProcessedMessagePruner(SqliteProcessedMessageLog log, TimeProvider time, ILogger<ProcessedMessagePruner> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            var pruned = await log.PruneAsync(time.GetUtcNow() - IProcessedMessageLog.Retention, stoppingToken);
            Logs.ProcessedMessagesPruned(logger, pruned);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
