using Cdp.Core.Journeys;

namespace Cdp.Testing;

/// <summary>A journey runtime that records what it is asked (no orchestration runs): started, raised, terminated, purged.</summary>
public sealed class RecordingJourneyRuntime : IJourneyRuntime
{
    private readonly HashSet<string> _running = [];

    public List<string> Started { get; } = [];

    public List<(string Instance, string Name, JourneySignal Signal)> Raised { get; } = [];

    public List<string> Terminated { get; } = [];

    public List<string> Purged { get; } = [];

    public Task<bool> StartAsync(string instanceId, JourneyRun run, CancellationToken cancellationToken)
    {
        if (!_running.Add(instanceId))
        {
            return Task.FromResult(false);
        }

        Started.Add(instanceId);
        return Task.FromResult(true);
    }

    public Task<bool> RaiseAsync(string instanceId, string name, JourneySignal signal, CancellationToken cancellationToken)
    {
        Raised.Add((instanceId, name, signal));
        return Task.FromResult(_running.Contains(instanceId));
    }

    public Task<bool> TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken)
    {
        if (!_running.Remove(instanceId))
        {
            return Task.FromResult(false);
        }

        Terminated.Add(instanceId);
        return Task.FromResult(true);
    }

    public Task<JourneyRuntimeStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken) => Task.FromResult<JourneyRuntimeStatus?>(null);

    public Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken)
    {
        Purged.Add(instanceId);
        return Task.FromResult(true);
    }
}
