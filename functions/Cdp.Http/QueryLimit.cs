using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>The <c>?limit=N</c> of list endpoints.</summary>
internal static class QueryLimit
{
    /// <summary>The limit asked for (<paramref name="name"/>), <paramref name="fallback"/> when none; a problem reply when it is not a whole number from 1 to <paramref name="max"/>.</summary>
    public static (int Limit, IResult? Problem) Read(HttpRequest request, int fallback, int max, string title, string name = "limit")
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Query.TryGetValue(name, out var text))
        {
            return (fallback, null);
        }

        return int.TryParse(text.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 && limit <= max
            ? (limit, null)
            : (0, Problems.Invalid(name, $"A whole number from 1 to {max}.", title));
    }
}
