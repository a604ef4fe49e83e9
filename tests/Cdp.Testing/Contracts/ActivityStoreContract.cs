using Cdp.Core.Activity;

namespace Cdp.Testing.Contracts;

/// <summary>What every adapter of the activity store must do: an instance's minute written again replaces it, instances are kept apart, a read starts at its minute.</summary>
public abstract class ActivityStoreContract
{
    protected abstract IActivityStore Store { get; }

    /// <summary>A minute of today (the Cosmos DB items expire two days after they are written, by the server's clock).</summary>
    private static readonly DateTimeOffset Minute = ActivityCounters.MinuteOf(DateTimeOffset.UtcNow).AddMinutes(-30);

    [Fact]
    public async Task AMinuteWrittenAgain_IsReplaced_EachInstanceKeepsItsOwn_AndAReadStartsAtItsMinute()
    {
        var (a, b) = ("a" + Guid.NewGuid().ToString("N")[..8], "b" + Guid.NewGuid().ToString("N")[..8]);
        await Store.PutAsync(a, [new ActivityMinute(Minute, 1, 1, 0, 0), new ActivityMinute(Minute.AddMinutes(1), 5, 4, 1, 1)], CancellationToken.None);
        await Store.PutAsync(a, [new ActivityMinute(Minute.AddMinutes(1), 7, 6, 2, 1)], CancellationToken.None);
        await Store.PutAsync(b, [new ActivityMinute(Minute.AddMinutes(1), 10, 10, 0, 3)], CancellationToken.None);

        var rows = (await Store.ListAsync(Minute.AddMinutes(1), CancellationToken.None)).Where(r => r.Minute <= Minute.AddMinutes(1)).ToList();

        Assert.Equal(
            [new ActivityMinute(Minute.AddMinutes(1), 7, 6, 2, 1), new ActivityMinute(Minute.AddMinutes(1), 10, 10, 0, 3)],
            rows.OrderBy(r => r.Collected));
        Assert.Contains(await Store.ListAsync(Minute, CancellationToken.None), r => r == new ActivityMinute(Minute, 1, 1, 0, 0));
    }
}
