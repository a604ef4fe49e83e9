using Cdp.Core.Sources;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary><c>GET /api/sources</c>: the configured sources, their binding and request limits; never a write key or its hash.</summary>
public sealed class SourceHandler(SourceRegistry sources)
{
    public IResult List() => TypedResults.Ok(sources.List());
}
