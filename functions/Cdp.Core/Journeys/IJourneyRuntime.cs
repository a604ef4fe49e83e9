namespace Cdp.Core.Journeys;

/// <summary>
/// Starts journey instances and reports on them (Durable Functions in the cloud, the in-process Durable
/// Task host locally).
/// </summary>
/// <remarks>
/// Starting is idempotent by instance id: starting an id that already exists starts nothing and
/// returns false, so a duplicated trigger never enrolls a profile twice.
/// </remarks>
public interface IJourneyRuntime
{
    /// <summary>Starts an instance with id <paramref name="instanceId"/>; false when it already existed.</summary>
    Task<bool> StartAsync(string instanceId, JourneyRun run, CancellationToken cancellationToken);

    /// <summary>The instance's status, or null when there is no such instance.</summary>
    Task<JourneyRunStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken);
}
