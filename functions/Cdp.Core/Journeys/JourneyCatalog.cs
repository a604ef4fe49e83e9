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

    public ValueTask<IReadOnlyList<CatalogJourney>> CurrentAsync(CancellationToken cancellationToken) => _current.CurrentAsync(cancellationToken);

    public void Invalidate() => _current.Invalidate();

    public void Dispose() => _current.Dispose();
}

/// <summary>
/// A saved journey (or a deleted one, which still steers its running instances) with its trigger rule compiled and
/// what steers the instances of each version: <see cref="Steering"/> is the current version's, then the earlier ones'.
/// <see cref="Definition"/> is the current version as an instance's input holds it (without the stored history).
/// </summary>
public sealed record CatalogJourney(JourneyDefinition Definition, CompiledRule? TriggerRule, IReadOnlyList<JourneySteering> Steering, bool Deleted)
{
    public static CatalogJourney Of(JourneyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var rule = definition.Trigger?.Rule is { } text ? RuleCompiler.Compile(text).Rule : null;
        return new CatalogJourney(definition.Visible(), rule, [JourneySteering.Of(definition), .. (definition.Earlier ?? []).Reverse()], definition.DeletedAt is not null);
    }

    /// <summary>Whether it enrolls profiles (it is not deleted).</summary>
    public bool Enrolls => !Deleted;

    /// <summary>Whether some version's instances are steered by <paramref name="steered"/>.</summary>
    public bool AnySteered(Func<JourneySteering, bool> steered) => Steering.Any(steered);

    /// <summary>
    /// What steers the instances of <paramref name="version"/>: that version's steering; the current one's for a version
    /// the store kept none for (saved before the steering of replaced versions was kept).
    /// </summary>
    public JourneySteering SteeringOf(long version) => Steering.FirstOrDefault(s => s.Covers(version)) ?? Steering[0];
}
