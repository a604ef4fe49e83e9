namespace Cdp.Core.DeadLetters;

/// <summary>
/// A message that could not be accepted or processed, kept with its reason so that it can be replayed
/// after a fix. <see cref="Body"/> is exactly what was received (collect) or the message as it was on the
/// stream (ingest).
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
}
