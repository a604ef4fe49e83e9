using System.Globalization;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// <c>GET /api/profiles/{id}</c>, <c>GET /api/profiles?identifier=type:value</c>, and a profile's ledger and
/// events. A merged-away id answers with the survivor, <c>redirectedFrom</c> set and <c>Content-Location</c>
/// naming the survivor.
/// </summary>
public sealed class ProfileHandler(ProfileReader reader)
{
    public const int DefaultEventCount = 100;
    public const int MaxEventCount = 1000;

    public async Task<IResult> GetAsync(string id, CancellationToken cancellationToken)
    {
        var profile = await reader.GetAsync(id, cancellationToken);
        return profile is null ? NoProfile(id) : Served(profile);
    }

    public async Task<IResult> FindAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = request.Query["identifier"].ToString();
        if (!reader.Rules.TryParse(text, out var identifier))
        {
            return Problems.Invalid(
                "identifier",
                $"Give '?identifier=type:value' with a type among: {string.Join(", ", reader.Rules.Types.Select(t => t.Name))}, and a usable value.",
                "The profile query is not valid.");
        }

        var profile = await reader.FindAsync(identifier, cancellationToken);
        return profile is null ? Problems.NotFound($"No profile holds the {identifier.Type} identifier given.") : Served(profile);
    }

    /// <summary><c>GET /api/profiles/{id}/ledger</c>: why the profile's records are one person.</summary>
    public async Task<IResult> LedgerAsync(string id, CancellationToken cancellationToken)
    {
        var entries = await reader.LedgerAsync(id, cancellationToken);
        return entries is null ? NoProfile(id) : TypedResults.Ok(entries);
    }

    /// <summary><c>GET /api/profiles/{id}/events?limit=N</c>: the newest events, including those of profiles merged into it.</summary>
    public async Task<IResult> EventsAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var (limit, problem) = QueryLimit.Read(request, DefaultEventCount, MaxEventCount, "The events query is not valid.");
        if (problem is not null)
        {
            return problem;
        }

        var events = await reader.EventsAsync(id, limit, cancellationToken);
        return events is null ? NoProfile(id) : TypedResults.Ok(events);
    }

    private static IResult NoProfile(string id) => Problems.NotFound($"There is no profile '{id}'.");

    private static Located Served(ProfileView profile) => new Located(TypedResults.Ok(profile), $"/{CdpRoutes.Prefix}/profiles/{Uri.EscapeDataString(profile.Id)}");

    /// <summary>Adds <c>Content-Location</c>: where the served profile lives (the survivor's address after a redirect).</summary>
    private sealed class Located(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.ContentLocation = location;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
