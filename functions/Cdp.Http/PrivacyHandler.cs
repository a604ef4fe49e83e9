using Cdp.Core.Privacy;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary><c>GET /api/profiles/{id}/export</c>: everything held on the person as one JSON document, <c>404</c> when unknown.</summary>
public sealed class PrivacyHandler(ExportService exports)
{
    public async Task<IResult> ExportAsync(string id, CancellationToken cancellationToken) =>
        await exports.ExportAsync(id, cancellationToken) is { } export
            ? TypedResults.Ok(export)
            : Problems.NotFound($"There is no profile '{id}'.");
}
