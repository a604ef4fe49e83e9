using System.Security.Cryptography;
using System.Text;
using Cdp.Core.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Cdp.Http;

/// <summary>
/// The admin API's gate on Cdp.Local: a request passes with <c>Authorization: Bearer {token}</c> (compared in constant
/// time); anything else, a write key included, gets 401 problem details and no data.
/// </summary>
public sealed class AdminAuthentication(IOptions<AdminOptions> options)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(
        string.IsNullOrWhiteSpace(options.Value.Token)
            ? throw new InvalidOperationException($"{AdminOptions.TokenVariable}: the admin API needs a token.")
            : options.Value.Token));

    /// <summary>Null when the request carries the admin token; the 401 reply otherwise.</summary>
    public IResult? Check(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim())), _expected))
        {
            return null;
        }

        request.HttpContext.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer realm=\"cdp-admin\"";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Authentication required.",
            detail: "The admin API needs 'Authorization: Bearer <admin token>' (CDP_ADMIN_TOKEN; scripts/dev.sh prints it). Write keys can only collect.");
    }
}
