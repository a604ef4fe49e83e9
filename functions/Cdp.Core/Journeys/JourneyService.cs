namespace Cdp.Core.Journeys;

/// <summary>Enrolls profiles in journeys and reports on their instances.</summary>
public sealed class JourneyService(IJourneyRuntime runtime)
{
    /// <summary>
    /// Starts <paramref name="run"/> unless it is invalid. The instance id is derived from the journey, its
    /// version and the profile, so enrolling the same profile again returns the existing instance.
    /// </summary>
    public async Task<JourneyStartResult> StartAsync(JourneyRun? run, CancellationToken cancellationToken)
    {
        var errors = JourneyValidator.Validate(run);
        if (errors.Count > 0 || run is null)
        {
            return new JourneyStartResult(null, false, errors);
        }

        var instanceId = InstanceIdFor(run);
        var started = await runtime.StartAsync(instanceId, run, cancellationToken);
        return new JourneyStartResult(instanceId, started, errors);
    }

    public Task<JourneyRunStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken) =>
        runtime.GetStatusAsync(instanceId, cancellationToken);

    /// <summary>The deterministic instance id of one enrollment: <c>journey:{id}:v{version}:{profileId}</c>.</summary>
    public static string InstanceIdFor(JourneyRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return $"journey:{run.Journey.Id}:v{run.Journey.Version}:{run.ProfileId}";
    }
}

/// <summary>The instance id and whether this call started it, or the problems by field.</summary>
public sealed record JourneyStartResult(string? InstanceId, bool Started, IReadOnlyDictionary<string, string[]> Errors);
