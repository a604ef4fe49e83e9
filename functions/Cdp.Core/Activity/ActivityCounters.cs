using System.Collections.Concurrent;

namespace Cdp.Core.Activity;

/// <summary>
/// This process's activity by minute (messages collected, applied, profiles merged, dead letters), counted where it
/// happens and written to <see cref="IActivityStore"/> by <see cref="ActivityService.FlushAsync"/>, so that the console's
/// overview can sum every instance's minutes. The meter <see cref="CdpMetrics"/> carries the same and more for telemetry;
/// these are kept per host (a process may run several hosts: tests do).
/// </summary>
public sealed class ActivityCounters(TimeProvider time)
{
    private readonly ConcurrentDictionary<DateTimeOffset, long[]> _minutes = new();

    /// <summary>This process's name in the store: random per start, so instances and restarts never overwrite each other.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N")[..16];

    public void Collected(long count) => Add(0, count);

    public void Applied(long count) => Add(1, count);

    public void Merged(long count) => Add(2, count);

    public void DeadLettered(long count) => Add(3, count);

    /// <summary>Every minute counted and not yet forgotten, with its totals so far.</summary>
    public IReadOnlyList<ActivityMinute> Snapshot() =>
        [.. _minutes.OrderBy(m => m.Key).Select(m => new ActivityMinute(m.Key, Interlocked.Read(ref m.Value[0]), Interlocked.Read(ref m.Value[1]), Interlocked.Read(ref m.Value[2]), Interlocked.Read(ref m.Value[3])))];

    /// <summary>Drops the minutes before <paramref name="before"/> (written for the last time already).</summary>
    public void Forget(DateTimeOffset before)
    {
        foreach (var minute in _minutes.Keys.Where(m => m < before))
        {
            _minutes.TryRemove(minute, out _);
        }
    }

    /// <summary>The start of the minute <paramref name="at"/> falls in.</summary>
    public static DateTimeOffset MinuteOf(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    private void Add(int index, long count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _minutes.GetOrAdd(MinuteOf(time.GetUtcNow()), _ => new long[4])[index], count);
        }
    }
}

/// <summary>What happened in one minute (of one instance, or of all summed).</summary>
public sealed record ActivityMinute(DateTimeOffset Minute, long Collected, long Applied, long Merged, long DeadLettered)
{
    public ActivityMinute Plus(ActivityMinute other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with { Collected = Collected + other.Collected, Applied = Applied + other.Applied, Merged = Merged + other.Merged, DeadLettered = DeadLettered + other.DeadLettered };
    }
}
