using Cdp.Core.Activity;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Activity;

/// <summary>The overview's activity: every instance's minutes summed, written again without counting twice, idle minutes present as zeros.</summary>
public sealed class ActivityServiceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 10, 0, 30, TimeSpan.Zero));
    private readonly InMemoryActivityStore _store = new();

    private (ActivityCounters Counters, ActivityService Service) Instance(IIngestLag? lag = null)
    {
        var counters = new ActivityCounters(_time);
        return (counters, new ActivityService(counters, _store, _time, lag));
    }

    [Fact]
    public async Task TwoInstances_AreSummedByMinute_AndFlushingAgain_CountsNothingTwice()
    {
        var (a, first) = Instance();
        var (b, second) = Instance();
        a.Collected(3);
        a.Applied(2);
        b.Collected(4);
        b.DeadLettered(1);
        await first.FlushAsync(CancellationToken.None);
        await first.FlushAsync(CancellationToken.None);
        await second.FlushAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        a.Collected(1);
        a.Merged(2);

        var report = await first.ReportAsync(3, CancellationToken.None);

        Assert.Equal(
            [new ActivityMinute(Minute(-2), 0, 0, 0, 0), new ActivityMinute(Minute(-1), 7, 2, 0, 1), new ActivityMinute(Minute(0), 1, 0, 2, 0)],
            report.Minutes);
        Assert.Equal((8L, 2L, 2L, 1L), (report.Total.Collected, report.Total.Applied, report.Total.Merged, report.Total.DeadLettered));
        Assert.Equal(Minute(-2), report.From);
        Assert.Null(report.Lag);
        Assert.Equal(report, await first.ReportAsync(3, CancellationToken.None) with { Minutes = report.Minutes }); // asking again counts nothing twice
    }

    [Fact]
    public async Task MinutesWritten_AreForgottenOnceTheyCannotChange_AndCountsGoOnInTheStore()
    {
        var (counters, service) = Instance();
        counters.Applied(5);
        await service.FlushAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(3));
        await service.FlushAsync(CancellationToken.None);

        Assert.Empty(counters.Snapshot());
        Assert.Equal(5, (await service.ReportAsync(5, CancellationToken.None)).Total.Applied);
    }

    [Fact]
    public async Task AReport_CarriesTheLag_WhereTheHostCanTellIt()
    {
        var (_, service) = Instance(new FixedLag(new IngestLag(12, 3.5)));

        Assert.Equal(new IngestLag(12, 3.5), (await service.ReportAsync(1, CancellationToken.None)).Lag);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => service.ReportAsync(ActivityService.MaxMinutes + 1, CancellationToken.None));
    }

    private DateTimeOffset Minute(int offset) => ActivityCounters.MinuteOf(_time.GetUtcNow()).AddMinutes(offset);

    private sealed class FixedLag(IngestLag lag) : IIngestLag
    {
        public Task<IngestLag> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(lag);
    }
}
