using Cdp.Core.Segments;

namespace Cdp.Core.Journeys;

/// <summary>
/// The saved journeys, as the profile-change subscriber reads them on every change: held in memory, read again
/// at most every <see cref="RefreshInterval"/> (sooner after a save through this process), with what each one
/// listens to precomputed.
/// </summary>
public sealed class JourneyCatalog : IDisposable
{
    /// <summary>How stale the journeys seen by another instance (Function App scale-out) may be.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly Refreshing<IReadOnlyList<CatalogJourney>> _current;

    public JourneyCatalog(IJourneyStore store, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        _current = new(async ct => [.. (await store.ListAsync(ct)).Select(CatalogJourney.Of)], RefreshInterval, time);
    }

    public Task<IReadOnlyList<CatalogJourney>> CurrentAsync(CancellationToken cancellationToken) => _current.CurrentAsync(cancellationToken);

    public void Invalidate() => _current.Invalidate();

    public void Dispose() => _current.Dispose();
}

/// <summary>A saved journey with its trigger rule compiled and the track events its steps wait for.</summary>
public sealed record CatalogJourney(JourneyDefinition Definition, CompiledRule? TriggerRule, IReadOnlySet<string> WaitsFor)
{
    public static CatalogJourney Of(JourneyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var waits = new HashSet<string>(StringComparer.Ordinal);
        Collect(definition.Steps, waits);
        var rule = definition.Trigger?.Rule is { } text ? RuleCompiler.Compile(text).Rule : null;
        return new CatalogJourney(definition, rule, waits);
    }

    private static void Collect(IReadOnlyList<JourneyStep>? steps, HashSet<string> waits)
    {
        foreach (var step in steps ?? [])
        {
            if (step.Type == JourneyStep.WaitFor && step.Event is { } name)
            {
                waits.Add(name);
            }

            Collect(step.OnEvent, waits);
            Collect(step.OnTimeout, waits);
            Collect(step.Then, waits);
            Collect(step.Else, waits);
        }
    }
}
