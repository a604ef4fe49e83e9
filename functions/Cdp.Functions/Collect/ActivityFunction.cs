using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Cdp.Functions.Collect;

/// <summary><c>GET /api/activity</c>: messages collected and applied, merges and dead letters per minute over every instance.</summary>
public sealed class ActivityFunction(ActivityHandler handler)
{
    [Function(nameof(ActivityFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Activity)] HttpRequest request, CancellationToken cancellationToken) =>
        handler.GetAsync(request, cancellationToken);
}

/// <summary><c>GET /api/status</c>: each consumer's lag and last error, and the dead letters waiting by stage.</summary>
public sealed class StatusFunction(StatusHandler handler)
{
    [Function(nameof(StatusFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Status)] HttpRequest request, CancellationToken cancellationToken) =>
        handler.GetAsync(cancellationToken);
}

/// <summary>Every 5 minutes: logs each consumer's lag and the dead letters waiting (events 260 and 261), which the alert rules read.</summary>
public sealed class ReportStatusFunction(Cdp.Core.Status.StatusService status, ILogger<ReportStatusFunction> logger)
{
    [Function(nameof(ReportStatusFunction))]
    public Task RunAsync([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        status.ReportAsync(logger, cancellationToken);
}
