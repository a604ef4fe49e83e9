using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace Cdp.Journeys.Tests;

/// <summary>
/// Issue 17, item 7: a once-per-id orchestration (a segment back-fill, an erasure) that failed is started again by the
/// next start, and one that runs or completed is left alone; on the in-process Durable host.
/// </summary>
public class DurableStartsTests
{
    private static int _runs;

    [Fact]
    public async Task StartOnce_RestartsAFailedInstance_LeavesACompletedOneAlone()
    {
        await using var host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddOrchestratorFunc<string, string>("Flaky", (_, input) =>
                Interlocked.Increment(ref _runs) == 1 ? throw new InvalidOperationException("a store was down") : input),
            new DurableTaskTestHostOptions { Port = LoopbackPort.Free() });
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        Assert.True(await DurableStarts.StartOnceAsync(host.Client, "Flaky", "x", "flaky:1", guard.Token));
        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await host.Client.WaitForInstanceCompletionAsync("flaky:1", guard.Token)).RuntimeStatus);

        Assert.True(await DurableStarts.StartOnceAsync(host.Client, "Flaky", "x", "flaky:1", guard.Token));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.Client.WaitForInstanceCompletionAsync("flaky:1", guard.Token)).RuntimeStatus);

        Assert.False(await DurableStarts.StartOnceAsync(host.Client, "Flaky", "x", "flaky:1", guard.Token));
        Assert.Equal(2, _runs);
    }
}
