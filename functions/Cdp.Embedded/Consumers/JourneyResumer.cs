using Cdp.Core.Journeys;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// At start, resumes the journey instances a previous run of the host was running (the in-process Durable Task
/// host keeps instances in memory): each picks up at the step its record last reported
/// (<see cref="JourneyService.ResumeLostAsync"/>). Retried until it succeeds (the Durable host may still be starting).
/// </summary>
public sealed class JourneyResumer(JourneyService journeys, IJourneyRuntime runtime, TimeProvider time, ILogger<JourneyResumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (resumed, ended) = await journeys.ResumeLostAsync(runtime, stoppingToken);
                Logs.JourneysResumed(logger, resumed, ended);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                Logs.ConsumerFailed(logger, ex, "journey-resume", ConsumerLoop.RetryWait);
                await Task.Delay(ConsumerLoop.RetryWait, time, stoppingToken);
            }
        }
    }
}
