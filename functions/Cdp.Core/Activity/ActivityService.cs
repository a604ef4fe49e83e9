namespace Cdp.Core.Activity;

/// <summary>
/// The activity the console's overview shows: messages collected and applied, merges and dead letters per minute,
/// summed over every instance (each writes its own minutes: <see cref="FlushAsync"/>), and ingest's lag where the
/// host can tell.
/// </summary>
public sealed class ActivityService(ActivityCounters counters, IActivityStore store, TimeProvider time, IIngestLag? lag = null)
{
    /// <summary>How often a host writes its minutes: the overview is this much behind on other instances at most.</summary>
    public static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(15);

    /// <summary>The most minutes a report covers: a day.</summary>
    public const int MaxMinutes = 1440;

    /// <summary>Writes this instance's minutes; those before the previous minute are then forgotten (written for the last time).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var minutes = counters.Snapshot();
        if (minutes.Count > 0)
        {
            await store.PutAsync(counters.Instance, minutes, cancellationToken);
        }

        counters.Forget(ActivityCounters.MinuteOf(time.GetUtcNow()).AddMinutes(-1));
    }

    /// <summary>The last <paramref name="minutes"/> minutes (the current one included), oldest first, every minute present (zeros when idle).</summary>
    public async Task<ActivityReport> ReportAsync(int minutes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, MaxMinutes);
        await FlushAsync(cancellationToken);
        var now = ActivityCounters.MinuteOf(time.GetUtcNow());
        var from = now.AddMinutes(1 - minutes);
        var sums = new Dictionary<DateTimeOffset, ActivityMinute>();
        foreach (var row in await store.ListAsync(from, cancellationToken))
        {
            sums[row.Minute] = sums.TryGetValue(row.Minute, out var held) ? held.Plus(row) : row;
        }

        var series = Enumerable.Range(0, minutes).Select(i => from.AddMinutes(i)).Select(m => sums.GetValueOrDefault(m) ?? new ActivityMinute(m, 0, 0, 0, 0)).ToList();
        var total = series.Aggregate(new ActivityMinute(from, 0, 0, 0, 0), (sum, m) => sum.Plus(m));
        return new ActivityReport(from, series, total, lag is null ? null : await lag.ReadAsync(cancellationToken));
    }
}

/// <summary>
/// <c>GET /api/activity</c>: each minute from <see cref="From"/> (oldest first), their sum, and ingest's lag (absent where
/// the host cannot tell: in the Function App, Event Hubs' own metrics show it).
/// </summary>
public sealed record ActivityReport(DateTimeOffset From, IReadOnlyList<ActivityMinute> Minutes, ActivityMinute Total, IngestLag? Lag);
