using Cdp.Core.Access;
using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;

namespace Cdp.Functions.Privacy;

/// <summary>
/// The admin API's gate and audit in the Function App (the host has already checked the function key). With
/// <see cref="AdminOptions.RequirePrincipal"/>, a call without a principal from App Service authentication
/// (<c>X-MS-CLIENT-PRINCIPAL-NAME</c>, which the platform sets and drops from clients' requests) gets 401 problem
/// details; each answered call is then recorded in the audit log (<see cref="AuditHandler"/>) with that principal as
/// actor, or <c>function-key</c> when principals are not required (a client-sent header is not trusted then).
/// </summary>
public sealed class AdminMiddleware(AuditHandler audit, IOptions<AdminOptions> options) : IFunctionsWorkerMiddleware
{
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL-NAME";

    /// <summary>The whole principal App Service authentication validated: base64 of <c>{"claims":[{"typ","val"}…]}</c>.</summary>
    public const string ClaimsHeader = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The app roles in the principal's token (claims of type <c>roles</c>; App Service keeps the token's claim names).</summary>
    public static IReadOnlySet<string> RolesOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var roles = new HashSet<string>(StringComparer.Ordinal);
        if (!request.Headers.TryGetValue(ClaimsHeader, out var encoded) || string.IsNullOrWhiteSpace(encoded))
        {
            return roles;
        }

        try
        {
            var principal = System.Text.Json.Nodes.JsonNode.Parse(Convert.FromBase64String(encoded.ToString()));
            foreach (var claim in principal?["claims"]?.AsArray() ?? [])
            {
                if (claim?["typ"]?.GetValue<string>() is "roles" or "http://schemas.microsoft.com/ws/2008/06/identity/claims/role" && claim["val"]?.GetValue<string>() is { } role)
                {
                    roles.Add(role);
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            // Not what App Service sends: no roles.
        }

        return roles;
    }

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is not { } http || !AuditHandler.IsAudited(http.Request.Path))
        {
            await next(context);
            return;
        }

        string actor = "function-key";
        if (options.Value.RequirePrincipal)
        {
            if (!http.Request.Headers.TryGetValue(PrincipalHeader, out var principal) || string.IsNullOrWhiteSpace(principal))
            {
                await TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Authentication required.",
                    detail: "The admin API needs a function key and an Entra ID bearer token for the app registration the deployment names (CDP_ADMIN_CLIENT_ID).").ExecuteAsync(http);
                return;
            }

            actor = principal.ToString();
            if (options.Value.RequireRoles)
            {
                var required = AdminRoles.Required(http.Request.Method, http.Request.Path.Value![("/" + CdpRoutes.Prefix).Length..]);
                if (!AdminRoles.Grants(RolesOf(http.Request), required))
                {
                    await TypedResults.Problem(
                        statusCode: StatusCodes.Status403Forbidden,
                        title: "A role is required.",
                        detail: $"This call needs the app role '{required}' ({actor} does not hold it): assign it in the app registration's enterprise application.").ExecuteAsync(http);
                    await audit.RecordAsync(http.Request, actor, StatusCodes.Status403Forbidden, context.CancellationToken);
                    return;
                }
            }
        }

        await next(context);
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
