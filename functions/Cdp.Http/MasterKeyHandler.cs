using Cdp.Core.Privacy;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// Rotation of the master keys (docs/privacy.md, "Rotating the master key"): <c>POST /api/privacy/master-keys</c> adds a
/// generation that wraps new data keys (and rewraps every generation with the key wrapper's current version: after a
/// Key Vault key rotation, the old version can be disabled); <c>POST /api/privacy/master-keys/rewrap?after=&amp;limit=</c>
/// rewraps one page of older data keys onto the latest generation, the answer's <c>next</c> naming the next page.
/// </summary>
public sealed class MasterKeyHandler(MasterKeys masterKeys)
{
    public const int DefaultPageSize = 500;
    public const int MaxPageSize = 1000;

    public async Task<IResult> RotateAsync(CancellationToken cancellationToken) =>
        masterKeys.Rotatable
            ? TypedResults.Ok(await masterKeys.RotateAsync(cancellationToken))
            : NotRotatable();

    public async Task<IResult> RewrapAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (limit, problem) = QueryLimit.Read(request, DefaultPageSize, MaxPageSize, "The rewrap query is not valid.");
        if (problem is not null)
        {
            return problem;
        }

        if (!masterKeys.Rotatable)
        {
            return NotRotatable();
        }

        var after = request.Query["after"].ToString();
        return TypedResults.Ok(await masterKeys.RewrapAsync(after.Length == 0 ? null : after, limit, cancellationToken));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotRotatable() => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: "No key wrapper is configured.",
        detail: "Master keys are rotated through a key wrapper: a Key Vault key in the Function App (KeyVaultKey__keyUri), the data folder's key file in Cdp.Local. None is configured.");
}
