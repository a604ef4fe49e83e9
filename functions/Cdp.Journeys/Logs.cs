using Microsoft.Extensions.Logging;

namespace Cdp.Journeys;

internal static partial class Logs
{
    [LoggerMessage(EventId = 510, Level = LogLevel.Warning, Message = "Journey instance '{InstanceId}': the webhook {Url} answered {Status}; retried per the step's policy.")]
    public static partial void WebhookFailed(ILogger logger, string instanceId, Uri url, int status);

    [LoggerMessage(EventId = 511, Level = LogLevel.Information, Message = "Journey instance '{InstanceId}': the webhook was not called, the profile does not grant '{Purpose}' now.")]
    public static partial void WebhookRefused(ILogger logger, string instanceId, string purpose);
}
