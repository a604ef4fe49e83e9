using Microsoft.Extensions.Logging;

namespace Cdp.Core;

/// <summary>
/// The domain's log events, with fixed ids by area: 1xx collect, 2xx ingest, 3xx identity, 4xx segments
/// and profile changes, 5xx journeys, 6xx privacy.
/// </summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Accepted {Type} message '{MessageId}'.")]
    public static partial void MessageAccepted(ILogger logger, string messageId, Events.MessageType type);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Rejected a {Type} message; bad fields: {Fields}.")]
    public static partial void MessageRejected(ILogger logger, Events.MessageType type, IEnumerable<string> fields);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Ingested a batch of {Count} messages; {Changed} changed a profile.")]
    public static partial void BatchIngested(ILogger logger, int count, int changed);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Profile '{ProfileId}' changed under us (attempt {Attempt}); reloading.")]
    public static partial void ProfileWriteConflict(ILogger logger, string profileId, int attempt);

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "A {IdentifierType} identifier of message '{MessageId}' belongs to profile '{Owner}', not '{ProfileId}'; not merged (merging is not implemented yet).")]
    public static partial void IdentifierHeldByOtherProfile(ILogger logger, string identifierType, string owner, string profileId, string messageId);

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Processed {Count} profile changes with {Subscribers} subscribers.")]
    public static partial void ProfileChangesProcessed(ILogger logger, int count, int subscribers);

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Enrolled profile '{ProfileId}' in journey '{JourneyId}' v{Version} (instance '{InstanceId}').")]
    public static partial void JourneyEnrolled(ILogger logger, string journeyId, int version, string profileId, string instanceId);
}
