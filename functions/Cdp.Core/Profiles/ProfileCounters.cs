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

/// <summary>How many events of one type, and the first and last event time among them.</summary>
public sealed record EventCounter(long Count, DateTimeOffset First, DateTimeOffset Last)
{
    public EventCounter Add(EventCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Count + other.Count, First < other.First ? First : other.First, Last > other.Last ? Last : other.Last);
    }
}
