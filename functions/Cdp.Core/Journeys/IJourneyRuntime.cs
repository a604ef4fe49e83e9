namespace Cdp.Core.Journeys;

/// <summary>
/// Runs journey instances (Durable Functions in the cloud, the in-process Durable Task host locally).
/// </summary>
/// <remarks>
/// Starting is idempotent by instance id: starting an id that already exists starts nothing and returns
/// false, so a duplicated trigger never enrolls a profile twice.
/// </remarks>
public interface IJourneyRuntime
{
    /// <summary>Starts an instance with id <paramref name="instanceId"/>; false when it already existed.</summary>
    Task<bool> StartAsync(string instanceId, JourneyRun run, CancellationToken cancellationToken);

    /// <summary>Raises <paramref name="signal"/> as the external event <paramref name="name"/>; false when the instance is not running.</summary>
    Task<bool> RaiseAsync(string instanceId, string name, JourneySignal signal, CancellationToken cancellationToken);

    /// <summary>Terminates the instance; false when it was not running.</summary>
    Task<bool> TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken);

    /// <summary>The runtime's own view of the instance, or null when it has none.</summary>
    Task<JourneyRuntimeStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>Removes what the runtime keeps of an ended instance (its history and inputs); false when it had nothing.</summary>
    Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken);
}

/// <summary>
/// What the runtime says about an instance: its status (<c>Pending</c>, <c>Running</c>, <c>Completed</c>,
/// <c>Failed</c>, <c>Terminated</c>, <c>Suspended</c>), the step it reports as custom status, and a failure message.
/// </summary>
public sealed record JourneyRuntimeStatus(string RuntimeStatus, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt, string? CurrentStep, string? Failure);
