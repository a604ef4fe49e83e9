using Cdp.Core.Journeys;
using Cdp.Core.Privacy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// At start, resumes what a previous run of the host had running on its in-process Durable Task host (which keeps
/// instances in memory): journey instances, each at the step its record last reported
/// (<see cref="JourneyService.ResumeLostAsync"/>), and unfinished erasures, at their first step not done. Retried
/// until it succeeds (the Durable host may still be starting).
/// </summary>
public sealed class DurableResumer(JourneyService journeys, IJourneyRuntime runtime, ErasureService erasures, IErasureRunner erasureRunner, TimeProvider time, ILogger<DurableResumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (resumed, ended) = await journeys.ResumeLostAsync(runtime, stoppingToken);
                var unfinished = await erasures.UnfinishedAsync(stoppingToken);
                foreach (var erasure in unfinished)
                {
                    await erasureRunner.StartAsync(erasure.Id, stoppingToken);
                }

                Logs.DurableWorkResumed(logger, resumed, ended, unfinished.Count);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                Logs.ConsumerFailed(logger, ex, "durable-resume", ConsumerLoop.RetryWait);
                await Task.Delay(ConsumerLoop.RetryWait, time, stoppingToken);
            }
        }
    }
}
