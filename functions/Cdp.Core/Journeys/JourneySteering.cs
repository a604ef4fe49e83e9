namespace Cdp.Core.Journeys;

/// <summary>
/// What steers the running instances of versions <see cref="From"/> to <see cref="To"/> of a journey: the segment
/// whose exit ends them, the track events that end them, the purpose whose denial ends them (unless
/// <see cref="ConsentRevoked"/> is false), and the track events their <c>waitFor</c> steps wait for. The change feed
/// signals an instance by its own version's steering, so a later save (or a delete) does not change what reaches it.
/// </summary>
public sealed record JourneySteering(
    long From,
    long To,
    string? SegmentExited = null,
    IReadOnlyList<string>? ExitEvents = null,
    string? Purpose = null,
    bool ConsentRevoked = true,
    IReadOnlyList<string>? WaitsFor = null)
{
    /// <summary>The steering of one definition's version.</summary>
    public static JourneySteering Of(JourneyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var waits = new SortedSet<string>(StringComparer.Ordinal);
        Collect(definition.Steps, waits);
        return new JourneySteering(
            definition.Version,
            definition.Version,
            definition.Exit?.SegmentExited,
            definition.Exit?.Events is { Count: > 0 } events ? [.. events.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)] : null,
            definition.Purpose,
            definition.Exit?.ConsentRevoked != false,
            waits.Count > 0 ? [.. waits] : null);
    }

    /// <summary>
    /// <paramref name="earlier"/> with <paramref name="next"/> after it: a version steered as the last entry widens it,
    /// so the list grows only when a save changes what steers instances.
    /// </summary>
    public static IReadOnlyList<JourneySteering> Append(IReadOnlyList<JourneySteering>? earlier, JourneySteering next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var list = earlier?.ToList() ?? [];
        if (list.Count > 0 && list[^1].SteersAs(next))
        {
            list[^1] = list[^1] with { To = Math.Max(list[^1].To, next.To) };
        }
        else
        {
            list.Add(next);
        }

        return list;
    }

    public bool Covers(long version) => From <= version && version <= To;

    public bool ExitsOnSegment(string segmentId) => SegmentExited == segmentId;

    public bool ExitsOnEvent(string name) => ExitEvents?.Contains(name, StringComparer.Ordinal) == true;

    public bool ExitsOnDenial(string purpose) => ConsentRevoked && Purpose == purpose;

    public bool Awaits(string name) => WaitsFor?.Contains(name, StringComparer.Ordinal) == true;

    private bool SteersAs(JourneySteering other) =>
        SegmentExited == other.SegmentExited && Purpose == other.Purpose && ConsentRevoked == other.ConsentRevoked
        && (ExitEvents ?? []).SequenceEqual(other.ExitEvents ?? [], StringComparer.Ordinal)
        && (WaitsFor ?? []).SequenceEqual(other.WaitsFor ?? [], StringComparer.Ordinal);

    private static void Collect(IReadOnlyList<JourneyStep>? steps, SortedSet<string> waits)
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
