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

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "The stored sources could not be read; the sources read last stay in use until the next try.")]
    public static partial void SourcesUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Ingested a batch of {Count} messages: {Changed} changed a profile, {Duplicates} were repeats, {DeadLettered} became dead letters.")]
    public static partial void BatchIngested(ILogger logger, int count, int changed, int duplicates, int deadLettered);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Message '{MessageId}' cannot be processed and is kept as a dead letter: {Reason}")]
    public static partial void MessageDeadLettered(ILogger logger, string messageId, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Profile '{ProfileId}' changed under us (attempt {Attempt}); reloading.")]
    public static partial void ProfileWriteConflict(ILogger logger, string profileId, int attempt);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "A batch of {Count} messages failed with a failure that is not transient; processing its messages one by one to isolate the cause.")]
    public static partial void BatchIsolating(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Profile '{ProfileId}' would have been {Bytes} bytes stored, over the limit; dropped to fit: {Dropped}.")]
    public static partial void ProfileShrunk(ILogger logger, string profileId, long bytes, string dropped);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Message '{MessageId}' failed (attempt {Attempt} of {Attempts}).")]
    public static partial void MessageFailed(ILogger logger, Exception exception, string messageId, int attempt, int attempts);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Message '{MessageId}': its {IdentifierType} identifier was not linked to profile '{ProfileId}': linking it would break the type's limit (priority rule).")]
    public static partial void IdentifierDropped(ILogger logger, string messageId, string identifierType, string profileId);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Message '{MessageId}': merged profile '{MergedId}' into '{SurvivorId}' (shared {IdentifierTypes}).")]
    public static partial void ProfilesMerged(ILogger logger, string messageId, string mergedId, string survivorId, IReadOnlyList<string> identifierTypes);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Message '{MessageId}': a merge of {Profiles} profiles ({Identifiers} identifiers) is past the caps; applied to '{ProfileId}' without merging.")]
    public static partial void MergeCapped(ILogger logger, string messageId, int profiles, int identifiers, string profileId);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Message '{MessageId}': moved a {IdentifierType} identifier from profile '{FromId}' to '{ToId}', the person seen with it latest.")]
    public static partial void IdentifierMoved(ILogger logger, string messageId, string identifierType, string fromId, string toId);

    [LoggerMessage(EventId = 304, Level = LogLevel.Debug, Message = "Identity changed under this batch ({Reason}); resolving it again (attempt {Attempt}).")]
    public static partial void ResolutionRace(ILogger logger, string reason, int attempt);

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Processed {Count} profile changes ({Skipped} already handled or older) with {Subscribers} subscribers.")]
    public static partial void ProfileChangesProcessed(ILogger logger, int count, int skipped, int subscribers);

    [LoggerMessage(EventId = 404, Level = LogLevel.Error, Message = "{Subscriber} failed on version {Version} of profile '{ProfileId}' (attempt {Attempt} of {MaxAttempts}; after the last the change is parked as a dead letter, stage 'changes').")]
    public static partial void ProfileChangeFailed(ILogger logger, Exception exception, string subscriber, string profileId, long version, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 401, Level = LogLevel.Error, Message = "Segment '{SegmentId}' v{Version} has a rule that does not compile and is not evaluated: {Error}")]
    public static partial void SegmentRuleInvalid(ILogger logger, string segmentId, long version, string error);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Segment '{SegmentId}' v{Version}: its rule failed on {Count} more profiles (their memberships stay as they were): {Error}")]
    public static partial void SegmentEvaluationFailed(ILogger logger, string segmentId, long version, long count, string error);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Profile '{ProfileId}': {Entered} segments entered, {Exited} exited.")]
    public static partial void SegmentsChanged(ILogger logger, string profileId, int entered, int exited);

    [LoggerMessage(EventId = 260, Level = LogLevel.Information, Message = "Consumer '{Consumer}' ({Reads}) is {Behind} behind, the oldest {SecondsBehind} s old.")]
    public static partial void ConsumerBehind(ILogger logger, string consumer, string reads, long behind, double secondsBehind);

    [LoggerMessage(EventId = 261, Level = LogLevel.Information, Message = "{Count} dead letters of stage '{Stage}' wait.")]
    public static partial void DeadLettersWaiting(ILogger logger, string stage, long count);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Message '{MessageId}' carries an erased identifier: {Outcome}.")]
    public static partial void MessageSuppressed(ILogger logger, string messageId, string outcome);

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Erasure '{ErasureId}' requested ({Subject}, {Profiles} profiles, {Identifiers} identifiers).")]
    public static partial void ErasureRequested(ILogger logger, string erasureId, string subject, int profiles, int identifiers);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Erasure '{ErasureId}': step '{Step}' removed {Removed}.")]
    public static partial void ErasureStepDone(ILogger logger, string erasureId, string step, int removed);

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "Erasure '{ErasureId}' completed.")]
    public static partial void ErasureCompleted(ILogger logger, string erasureId);

    [LoggerMessage(EventId = 603, Level = LogLevel.Information, Message = "Erasure '{ErasureId}' covers {Profiles} more profiles and {Identifiers} more identifiers (merged with the person since it was requested); the steps done run for them too.")]
    public static partial void ErasureGrew(ILogger logger, string erasureId, int profiles, int identifiers);

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Enrolled profile '{ProfileId}' in journey '{JourneyId}' v{Version} (instance '{InstanceId}').")]
    public static partial void JourneyEnrolled(ILogger logger, string journeyId, long version, string profileId, string instanceId);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "Raised '{Signal}' to journey instance '{InstanceId}' ({Reason}).")]
    public static partial void JourneySignalled(ILogger logger, string instanceId, string signal, string? reason);

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "Journey '{JourneyId}' v{Version}: its trigger condition failed on profile '{ProfileId}', which is not enrolled: {Error}")]
    public static partial void JourneyConditionFailed(ILogger logger, string journeyId, long version, string profileId, string error);

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Destination '{DestinationId}': a send came back {Outcome}: {Error}")]
    public static partial void DestinationSendFailed(ILogger logger, string destinationId, Destinations.DeliveryOutcome outcome, string? error);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Destination '{DestinationId}': its status could not be updated (too many writers at once); these counts are left out.")]
    public static partial void DestinationStatusContended(ILogger logger, string destinationId);
}
