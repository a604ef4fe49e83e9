using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Cdp.Functions.Privacy;

/// <summary>
/// Records every answered admin call of the Function App in the audit log (<see cref="AuditHandler"/>). The actor is
/// the principal App Service authentication signed in (<c>X-MS-CLIENT-PRINCIPAL-NAME</c>, set by the platform, which
/// drops the header when a client sends it), else <c>function-key</c>.
/// </summary>
public sealed class AuditMiddleware(AuditHandler audit) : IFunctionsWorkerMiddleware
{
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL-NAME";

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        await next(context);
        if (context.GetHttpContext() is not { } http || !AuditHandler.IsAudited(http.Request.Path))
        {
            return;
        }

        var actor = http.Request.Headers.TryGetValue(PrincipalHeader, out var principal) && !string.IsNullOrWhiteSpace(principal) ? principal.ToString() : "function-key";
        await audit.RecordAsync(http.Request, actor, AuditHandler.StatusOf(context.GetInvocationResult().Value), context.CancellationToken);
    }
}

/// <summary><c>GET /api/audit</c>: the audit trail, newest first.</summary>
public sealed class AuditFunction(AuditHandler handler)
{
    [Function("GetAuditFunction")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Audit)] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.QueryAsync(request, cancellationToken);
}
