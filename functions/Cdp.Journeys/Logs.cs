using Microsoft.Extensions.Logging;

namespace Cdp.Journeys;

internal static partial class Logs
{
    [LoggerMessage(EventId = 510, Level = LogLevel.Warning, Message = "Journey instance '{InstanceId}': the webhook {Url} answered {Status}; retried per the step's policy.")]
    public static partial void WebhookFailed(ILogger logger, string instanceId, Uri url, int status);
}
