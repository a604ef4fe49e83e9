using Cdp.Core.Identity;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// The privacy routes: <c>GET /api/profiles/{id}/export</c> (everything held on the person), <c>DELETE /api/profiles/{id}</c>
/// and <c>POST /api/privacy/erasures</c> <c>{"identifier": "type:value"}</c> (start an erasure: <c>202</c> with its status
/// URL in <c>Location</c>; asking again returns the same erasure), <c>GET /api/privacy/erasures/{id}</c> (its status,
/// and once completed its receipt). The reason of a request goes in the <see cref="AuditHandler.ReasonHeader"/> header (or
/// <c>reason</c> in the body).
/// </summary>
public sealed class PrivacyHandler(ExportService exports, ErasureService erasures, ProfileReader reader)
{
    public async Task<IResult> ExportAsync(string id, CancellationToken cancellationToken) =>
        await exports.ExportAsync(id, cancellationToken) is { } export
            ? TypedResults.Ok(export)
            : Problems.NotFound($"There is no profile '{id}'.");

    public async Task<IResult> EraseProfileAsync(HttpRequest request, string id, IErasureRunner runner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(runner);
        if (await erasures.RequestForProfileAsync(id, Reason(request, null), cancellationToken) is not { } requested)
        {
            return Problems.NotFound($"There is no profile '{id}'.");
        }

        return await StartedAsync(requested.Erasure, runner, cancellationToken);
    }

    public async Task<IResult> RequestErasureAsync(HttpRequest request, IErasureRunner runner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(runner);
        const string title = "The erasure request is not valid.";
        var (body, problem) = await RequestBody.ReadJsonAsync<ErasureRequest>(request, 4096, title, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!reader.Rules.TryParse(body?.Identifier, out var identifier))
        {
            return Problems.Invalid(
                "identifier",
                $"Give \"identifier\": \"type:value\" with a type among: {string.Join(", ", reader.Rules.Types.Select(t => t.Name))}, and a usable value.",
                title);
        }

        var requested = await erasures.RequestForIdentifierAsync(identifier, Reason(request, body?.Reason), cancellationToken);
        return await StartedAsync(requested.Erasure, runner, cancellationToken);
    }

    public async Task<IResult> GetErasureAsync(string id, CancellationToken cancellationToken) =>
        await erasures.GetAsync(id, cancellationToken) is { } erasure
            ? TypedResults.Ok(erasure.ToView())
            : Problems.NotFound($"There is no erasure '{id}'.");

    /// <summary>Starts (or, after a failure, restarts) the run; 202 with the status URL while it runs, 200 with the receipt once done.</summary>
    private static async Task<IResult> StartedAsync(Erasure erasure, IErasureRunner runner, CancellationToken cancellationToken)
    {
        if (erasure.Status == ErasureStatus.Completed)
        {
            return TypedResults.Ok(erasure.ToView());
        }

        await runner.StartAsync(erasure.Id, cancellationToken);
        return TypedResults.Accepted($"/{CdpRoutes.Prefix}/{CdpRoutes.PrivacyErasure.Replace("{id}", erasure.Id, StringComparison.Ordinal)}", erasure.ToView());
    }

    private static string? Reason(HttpRequest request, string? fallback) =>
        request.Headers.TryGetValue(AuditHandler.ReasonHeader, out var header) && !string.IsNullOrWhiteSpace(header) ? header.ToString() : fallback;
}

/// <summary>The body of <c>POST /api/privacy/erasures</c>.</summary>
public sealed record ErasureRequest(string? Identifier, string? Reason = null);
