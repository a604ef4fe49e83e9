using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary><c>GET /api/profiles/{id}</c> and <c>GET /api/profiles?identifier=type:value</c>.</summary>
public sealed class ProfileHandler(ProfileReader reader)
{
    public async Task<IResult> GetAsync(string id, CancellationToken cancellationToken)
    {
        var profile = await reader.GetAsync(id, cancellationToken);
        return profile is null ? Problems.NotFound($"There is no profile '{id}'.") : TypedResults.Ok(profile);
    }

    public async Task<IResult> FindAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = request.Query["identifier"].ToString();
        if (!Identifier.TryParse(text, out var identifier))
        {
            return Problems.Invalid(
                "identifier",
                $"Give '?identifier=type:value' with a type among: {string.Join(", ", Identifier.KnownTypes)}.",
                "The profile query is not valid.");
        }

        var profile = await reader.FindAsync(identifier, cancellationToken);
        return profile is null ? Problems.NotFound($"No profile holds the {identifier.Type} identifier given.") : TypedResults.Ok(profile);
    }
}
