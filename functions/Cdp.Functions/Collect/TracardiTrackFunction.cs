using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cdp.Functions.Collect;

/// <summary><c>POST /api/track</c>: Tracardi-style track (see <see cref="TracardiHandler"/>).</summary>
public sealed class TracardiTrackFunction(TracardiHandler handler)
{
    [Function(nameof(TracardiTrackFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = CdpRoutes.Track)] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, cancellationToken);
}
