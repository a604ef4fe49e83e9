using Microsoft.Extensions.Logging;

namespace Cdp.Embedded;

/// <summary>The embedded adapters' log events (2xx: the ingest side of the stream).</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 250, Level = LogLevel.Error, Message = "Consumer '{Consumer}' failed; its checkpoint is kept and the batch is retried in {RetryWait}.")]
    public static partial void ConsumerFailed(ILogger logger, Exception exception, string consumer, TimeSpan retryWait);

    [LoggerMessage(EventId = 251, Level = LogLevel.Debug, Message = "Forgot {Messages} processed-message entries, removed {Events} profile events past their retention, {Changes} superseded profile changes and {Records} consumed event log records; {DeadLetters} dead letters and {Transitions} segment transitions past their retention.")]
    public static partial void Pruned(ILogger logger, int messages, int events, int changes, int records, int deadLetters, int transitions);

    [LoggerMessage(EventId = 252, Level = LogLevel.Information, Message = "Segment '{SegmentId}' v{Version}: back-fill evaluated {Processed} profiles{Done}.")]
    public static partial void SegmentBackfilled(ILogger logger, string segmentId, long version, long processed, string done);

    [LoggerMessage(EventId = 253, Level = LogLevel.Information, Message = "Resumed {Resumed} journey instances lost by a restart (ended {Ended} whose definition version is gone) and {Erasures} unfinished erasures.")]
    public static partial void DurableWorkResumed(ILogger logger, int resumed, int ended, int erasures);
}
