using Cdp.Core.Privacy;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// The audit trail of the admin API: <see cref="RecordAsync"/> keeps one entry per admin call (each host calls it
/// once the call is answered, before the reply is sent: an entry that cannot be written fails the call), and
/// <c>GET /api/audit?from=&amp;to=&amp;profileId=&amp;actor=&amp;action=&amp;limit=</c> reads them, newest first.
/// </summary>
public sealed class AuditHandler(AuditService audit)
{
    /// <summary>Why an operator reads, exports, changes or erases personal data: kept in the audit entry (and with an erasure).</summary>
    public const string ReasonHeader = "X-Cdp-Reason";

    private const string ProfilesPrefix = "/" + CdpRoutes.Prefix + "/profiles/";

    public async Task<IResult> QueryAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var q = request.Query;
        var (entries, errors) = await audit.QueryAsync(q["from"], q["to"], q["profileId"], q["actor"], q["action"], q["limit"], cancellationToken);
        return entries is null ? Problems.Invalid(errors, "The audit query is not valid.") : TypedResults.Ok(entries);
    }

    /// <summary>
    /// Records an answered admin call: the actor the host authenticated, method, path (never the query's values: only
    /// the parameter names), the profile a <c>/api/profiles/{id}…</c> path names, the reason header, the status.
    /// </summary>
    public Task RecordAsync(HttpRequest request, string actor, int status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.PathBase.Add(request.Path).Value ?? string.Empty;
        var profileId = path.StartsWith(ProfilesPrefix, StringComparison.Ordinal) ? path[ProfilesPrefix.Length..].Split('/')[0] : null;
        var reason = request.Headers.TryGetValue(ReasonHeader, out var header) ? header.ToString() : null;
        return audit.RecordAsync(actor, request.Method, path, status, string.IsNullOrEmpty(profileId) ? null : Uri.UnescapeDataString(profileId), reason, [.. request.Query.Keys.Order(StringComparer.Ordinal)], cancellationToken);
    }

    /// <summary>The status an endpoint's result will answer with (200 when it does not say).</summary>
    public static int StatusOf(object? result) => result is IStatusCodeHttpResult { StatusCode: { } status } ? status : StatusCodes.Status200OK;

    /// <summary>True for the admin API: everything but collection and health, which carry no personal data out.</summary>
    public static bool IsAudited(PathString path) =>
        !path.StartsWithSegments("/" + CdpRoutes.Prefix + "/v1")
        && !path.StartsWithSegments("/" + CdpRoutes.Prefix + "/" + CdpRoutes.Track)
        && !path.StartsWithSegments("/" + CdpRoutes.Prefix + "/" + CdpRoutes.Health);
}
