using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cdp.Functions.Collect;

/// <summary><c>GET /api/activity</c>: messages collected and applied, merges and dead letters per minute over every instance.</summary>
public sealed class ActivityFunction(ActivityHandler handler)
{
    [Function(nameof(ActivityFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Activity)] HttpRequest request, CancellationToken cancellationToken) =>
        handler.GetAsync(request, cancellationToken);
}
