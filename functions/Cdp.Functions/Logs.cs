using Microsoft.Extensions.Logging;

namespace Cdp.Functions;

/// <summary>The Function App's own log events (4xx: segments).</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Started the back-fill of segment '{SegmentId}' v{Version} (instance '{InstanceId}').")]
    public static partial void BackfillStarted(ILogger logger, string segmentId, long version, string instanceId);
}
