namespace Cdp.Core.Journeys;

/// <summary>
/// What the status API says about one journey instance. <see cref="RuntimeStatus"/> is one of
/// <c>Pending</c>, <c>Running</c>, <c>Completed</c>, <c>Failed</c>, <c>Terminated</c>, <c>Suspended</c>.
/// </summary>
public sealed record JourneyRunStatus(
    string InstanceId,
    string RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    JourneyProgress? Progress,
    JourneyOutcome? Outcome,
    string? Failure);

/// <summary>The step an instance is at, as it reports it while running.</summary>
public sealed record JourneyProgress(int Step, string StepType);
