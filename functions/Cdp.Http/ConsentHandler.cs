using Cdp.Core.Consents;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// <c>PUT /api/profiles/{id}/consents/{purpose}</c> with <c>{"granted": true|false, "expiresAt": "…", "source": "…"}</c>:
/// the profile's consents as written, <c>404</c> for an unknown profile, <c>400</c> naming each bad field. An
/// <c>Idempotency-Key</c> header makes a repeated request change nothing.
/// </summary>
public sealed class ConsentHandler(ConsentService consents)
{
    public async Task<IResult> PutAsync(HttpRequest request, string id, string purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        const string title = "The consent decision is not valid.";
        var (decision, problem) = await RequestBody.ReadJsonAsync<ConsentRequest>(request, 4096, title, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var key = request.Headers.TryGetValue("Idempotency-Key", out var header) ? header.ToString() : null;
        var result = await consents.SetAsync(id, purpose, decision, key, cancellationToken);
        if (result.Errors.Count > 0)
        {
            return Problems.Invalid(result.Errors, title);
        }

        return result.Profile is { } written ? TypedResults.Ok(written) : Problems.NotFound($"There is no profile '{id}'.");
    }
}
