using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cdp.Functions.Collect;

/// <summary><c>GET /api/sources</c>: every source (never a key).</summary>
public sealed class ListSourcesFunction(SourceHandler handler)
{
    [Function(nameof(ListSourcesFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Sources)] HttpRequest request, CancellationToken cancellationToken) =>
        handler.ListAsync(cancellationToken);
}

/// <summary><c>GET /api/sources/{id}</c>: one source (never its key).</summary>
public sealed class GetSourceFunction(SourceHandler handler)
{
    [Function(nameof(GetSourceFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Source)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.GetAsync(id, cancellationToken);
}

/// <summary><c>PUT /api/sources/{id}</c>: create a source (its write key in the reply, once) or change its settings.</summary>
public sealed class PutSourceFunction(SourceHandler handler)
{
    [Function(nameof(PutSourceFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = CdpRoutes.Source)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.PutAsync(request, id, cancellationToken);
}

/// <summary><c>POST /api/sources/{id}/key</c>: a new write key for a source (in the reply, once; the old one stops working).</summary>
public sealed class NewSourceKeyFunction(SourceHandler handler)
{
    [Function(nameof(NewSourceKeyFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.SourceKey)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.NewKeyAsync(id, cancellationToken);
}

/// <summary><c>DELETE /api/sources/{id}</c>: a source created over the API (its key stops working).</summary>
public sealed class DeleteSourceFunction(SourceHandler handler)
{
    [Function(nameof(DeleteSourceFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = CdpRoutes.Source)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.DeleteAsync(id, cancellationToken);
}
