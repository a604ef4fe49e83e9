using Microsoft.Extensions.Logging;

namespace Cdp.Core;

/// <summary>
/// The domain's log events, with fixed ids by area: 1xx collect, 2xx ingest, 3xx identity, 4xx segments
/// and profile changes, 5xx journeys, 6xx privacy.
/// </summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Source '{SourceId}': refused {Rejected} messages (kept as dead letters), accepted {Accepted}.")]
    public static partial void MessagesRejected(ILogger logger, string sourceId, int rejected, int accepted);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Replayed dead letter '{DeadLetterId}': {Count} messages accepted; the letter is removed.")]
    public static partial void DeadLetterReplayed(ILogger logger, string deadLetterId, int count);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Ingested a batch of {Count} messages: {Changed} changed a profile, {Duplicates} were repeats, {DeadLettered} became dead letters.")]
    public static partial void BatchIngested(ILogger logger, int count, int changed, int duplicates, int deadLettered);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Message '{MessageId}' cannot be processed and is kept as a dead letter: {Reason}")]
    public static partial void MessageDeadLettered(ILogger logger, string messageId, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Profile '{ProfileId}' changed under us (attempt {Attempt}); reloading.")]
    public static partial void ProfileWriteConflict(ILogger logger, string profileId, int attempt);

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "A {IdentifierType} identifier of message '{MessageId}' belongs to profile '{Owner}', not '{ProfileId}'; not merged (merging is not implemented yet).")]
    public static partial void IdentifierHeldByOtherProfile(ILogger logger, string identifierType, string owner, string profileId, string messageId);

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Processed {Count} profile changes with {Subscribers} subscribers.")]
    public static partial void ProfileChangesProcessed(ILogger logger, int count, int subscribers);

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Enrolled profile '{ProfileId}' in journey '{JourneyId}' v{Version} (instance '{InstanceId}').")]
    public static partial void JourneyEnrolled(ILogger logger, string journeyId, int version, string profileId, string instanceId);
}
