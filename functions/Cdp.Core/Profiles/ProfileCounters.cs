namespace Cdp.Core.Profiles;

/// <summary>
/// Counters kept at ingest: events per message type with the first and last event time of each. Disjoint
/// events add up when profiles merge; first and last take the minimum and maximum.
/// </summary>
public sealed record ProfileCounters(IReadOnlyDictionary<string, EventCounter> Events)
{
    public static ProfileCounters Empty { get; } = new(new SortedDictionary<string, EventCounter>(StringComparer.Ordinal));

    /// <summary>The prefix of a track event's counter (<c>track:Order Completed</c>); message types count under their own names.</summary>
    public const string EventCounterPrefix = "track:";

    /// <summary>The first event time of any type, or null when no event was counted.</summary>
    public DateTimeOffset? FirstSeen => Events.Count == 0 ? null : Events.Values.Min(e => e.First);

    /// <summary>The last event time of any type, or null when no event was counted.</summary>
    public DateTimeOffset? LastSeen => Events.Count == 0 ? null : Events.Values.Max(e => e.Last);
}

/// <summary>
/// How many events of one type, the first and last event time among them, and the profile version that last counted
/// one here (0 when unknown: older documents, and counts that came in with a merged profile), which lets a change-feed
/// consumer that missed versions react to the events it did not see (docs/segments.md).
/// </summary>
public sealed record EventCounter(long Count, DateTimeOffset First, DateTimeOffset Last, long Version = 0)
{
    /// <summary>The counts of a merged profile added: this profile's version stays (the other's numbering is not this profile's).</summary>
    public EventCounter Add(EventCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Count + other.Count, First < other.First ? First : other.First, Last > other.Last ? Last : other.Last, Version);
    }
}
