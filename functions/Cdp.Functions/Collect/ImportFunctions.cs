using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cdp.Functions.Collect;

/// <summary>
/// <c>POST /api/imports</c>: rows of NDJSON or CSV streamed into collection for a source. A request lasts at most the
/// front end's 230 seconds: a larger file is sent again with the same id and resumes where the last one stopped.
/// </summary>
public sealed class PostImportFunction(ImportHandler handler)
{
    [Function(nameof(PostImportFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.Imports)] HttpRequest request, CancellationToken cancellationToken) =>
        handler.PostAsync(request, cancellationToken);
}

/// <summary><c>GET /api/imports/{id}</c>: an import's progress.</summary>
public sealed class GetImportFunction(ImportHandler handler)
{
    [Function(nameof(GetImportFunction))]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Import)] HttpRequest request, string id, CancellationToken cancellationToken) =>
        handler.GetAsync(id, cancellationToken);
}
