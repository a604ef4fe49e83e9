using Cdp.Embedded.Streaming;
using Microsoft.Extensions.Logging;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// The loop every embedded consumer runs: handle what is after the checkpoint, checkpoint, repeat; sleep
/// until signalled when there is nothing to do; on a failure keep the checkpoint and retry after a pause.
/// </summary>
internal static class ConsumerLoop
{
    /// <summary>How long an idle consumer sleeps without a signal before looking again.</summary>
    public static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(1);

    /// <summary>How long a consumer pauses after a failure before retrying the same batch.</summary>
    public static readonly TimeSpan RetryWait = TimeSpan.FromSeconds(2);

    /// <param name="step">Handles one batch; returns false when there was nothing to handle.</param>
    /// <param name="health">Where its successes and failures are recorded for the status API (none: not recorded).</param>
    public static async Task RunAsync(string name, Func<CancellationToken, Task<bool>> step, ChangeSignal signal, TimeProvider time, ILogger logger, CancellationToken stoppingToken, ConsumerHealth? health = null)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var handled = await step(stoppingToken);
                if (handled)
                {
                    health?.Succeeded(name, time.GetUtcNow());
                }
                else
                {
                    await signal.WaitAsync(IdleWait, time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A consumer must survive any failure: it keeps its checkpoint and retries.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Logs.ConsumerFailed(logger, ex, name, RetryWait);
                health?.Failed(name, time.GetUtcNow(), ex);
                try
                {
                    await Task.Delay(RetryWait, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
