using Cdp.Embedded.Consumers;
using Cdp.Embedded.Streaming;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Embedded.Tests.Consumers;

/// <summary>What a consumer loop reports for the status API: its last error (and when), then its last success, partitions folded.</summary>
public class ConsumerHealthTests
{
    [Fact]
    public async Task AFailedStep_IsTheLastError_AndTheNextHandledBatch_TheLastSuccess()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));
        var health = new ConsumerHealth();
        using var stop = new CancellationTokenSource();
        var steps = 0;
        var loop = ConsumerLoop.RunAsync("ingest[2]", _ => ++steps switch
        {
            1 => throw new InvalidOperationException("store down"),
            2 => Task.FromResult(true),
            _ => Cancelled(stop),
        }, new ChangeSignal(), time, NullLogger.Instance, stop.Token, health);

        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (health.Of("ingest")?.LastErrorAt is null)
        {
            await Task.Delay(5, guard.Token);
        }

        var failed = health.Of("ingest")!;
        time.Advance(ConsumerLoop.RetryWait);
        await loop.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(("InvalidOperationException: store down", time.GetUtcNow() - ConsumerLoop.RetryWait, (DateTimeOffset?)null), (failed.LastError, failed.LastErrorAt!.Value, failed.LastSuccessAt));
        Assert.Equal(time.GetUtcNow(), health.Of("ingest")!.LastSuccessAt);
        Assert.Equal("InvalidOperationException: store down", health.Of("ingest")!.LastError);
        Assert.Null(health.Of("ingest[2]"));
    }

    private static Task<bool> Cancelled(CancellationTokenSource stop)
    {
        stop.Cancel();
        return Task.FromResult(false);
    }
}
