using Cdp.Core.DeadLetters;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Embedded.Sqlite;
using Cdp.Embedded.Streaming;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// The embedded store's TTL: once an hour, forgets processed-message entries past their retention (7 days) and
/// removes profile events past theirs (90 days) and segment transitions past theirs (90 days), as Cosmos DB expires those items by their <c>ttl</c>; removes the
/// event log's records consumed and older than Event Hubs' retention (7 days); and compacts the profile change log to
/// the latest change of each profile that every consumer has read.
/// </summary>
public sealed class RetentionPruner(SqliteProcessedMessageLog log, SqliteProfileEventStore events, SqliteProfileStore profiles, SqliteEventLog stream, SqliteDeadLetterStore deadLetters, SqliteSegments segments, TimeProvider time, ILogger<RetentionPruner> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            var now = time.GetUtcNow();
            var messages = await log.PruneAsync(now - IProcessedMessageLog.Retention, stoppingToken);
            var expired = await events.PruneAsync(now - IProfileEventStore.Retention, stoppingToken);
            var superseded = await profiles.CompactAsync(stoppingToken);
            var consumed = await stream.PruneAsync(now - SqliteEventLog.Retention, stoppingToken);
            var letters = await deadLetters.PruneAsync(now - IDeadLetterStore.Retention, stoppingToken);
            var transitions = await segments.PruneTransitionsAsync(now - ISegmentTransitions.Retention, stoppingToken);
            Logs.Pruned(logger, messages, expired, superseded, consumed, letters, transitions);
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
