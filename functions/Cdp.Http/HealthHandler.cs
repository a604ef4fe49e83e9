using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary><c>GET /api/health</c>: the host is up and serving.</summary>
public static class HealthHandler
{
    public static IResult Get() => TypedResults.Ok(new HealthReply("healthy"));
}

public sealed record HealthReply(string Status);
