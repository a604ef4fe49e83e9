using Cdp.Core.Status;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary><c>GET /api/health</c>: the host is up and serving.</summary>
public static class HealthHandler
{
    public static IResult Get() => TypedResults.Ok(new HealthReply("healthy"));
}

public sealed record HealthReply(string Status);

/// <summary><c>GET /api/status</c> (admin): every consumer's lag and last error, and the dead letters waiting by stage.</summary>
public sealed class StatusHandler(StatusService status)
{
    public async Task<IResult> GetAsync(CancellationToken cancellationToken) => TypedResults.Ok(await status.ReadAsync(cancellationToken));
}
