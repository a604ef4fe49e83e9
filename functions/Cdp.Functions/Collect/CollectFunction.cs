using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cdp.Functions.Collect;

/// <summary><c>POST /api/v1/{type}</c>: the collection endpoint (see <see cref="CollectHandler"/>).</summary>
public sealed class CollectFunction(CollectHandler handler)
{
    [Function(nameof(CollectFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = CdpRoutes.Collect)] HttpRequest request,
        string type,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, type, cancellationToken);
}
