namespace Cdp.Core.DeadLetters;

/// <summary>
/// A message that could not be accepted or processed, kept with its reason so that it can be replayed
/// after a fix. <see cref="Body"/> is exactly what was received (collect), the message as it was on the
/// stream (ingest), or which profile change failed (changes).
/// </summary>
public sealed record DeadLetter(
    string Id,
    string Stage,
    string? SourceId,
    string Reason,
    string Body,
    DateTimeOffset At,
    string? MessageId = null)
{
    /// <summary>Refused at intake (validation).</summary>
    public const string CollectStage = "collect";

    /// <summary>Accepted, then found unprocessable by ingest.</summary>
    public const string IngestStage = "ingest";

    /// <summary>
    /// A profile change a change-feed subscriber failed on deterministically (<see cref="Body"/>: the profile id, the
    /// version and the subscriber); replaying it makes the subscribers handle the profile again from its state.
    /// </summary>
    public const string ChangesStage = "changes";

    /// <summary>
    /// An item a destination could not be sent (<see cref="SourceId"/>: the destination; <see cref="Body"/>: the item as
    /// it would have been sent); replaying it sends it again with the destination's settings now.
    /// </summary>
    public const string DestinationStage = "destination";

    /// <summary>Every stage, as the dead-letter API accepts them.</summary>
    public static IReadOnlyList<string> Stages { get; } = [CollectStage, IngestStage, ChangesStage, DestinationStage];
}
