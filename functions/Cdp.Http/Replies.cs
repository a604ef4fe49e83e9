using System.Globalization;
using System.Text;
using Cdp.Core.Collect;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>The collection API's replies: what Segment's clients expect on success, problem details otherwise.</summary>
internal static class Replies
{
    public static IResult From(CollectResult result, string title, Func<object>? success = null) => result.Outcome switch
    {
        CollectOutcome.Accepted => TypedResults.Ok(success?.Invoke() ?? CollectReply.Of(result, batch: true)),
        CollectOutcome.Unauthorized => new WithHeader(
            TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unknown write key.", detail: "Send a source's write key as the HTTP Basic user name (empty password) or as 'writeKey' in the body."),
            "WWW-Authenticate",
            "Basic realm=\"cdp\""),
        CollectOutcome.RateLimited => new WithHeader(
            TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests for this source.", detail: "Retry after the number of seconds in Retry-After."),
            "Retry-After",
            Math.Max(1, (int)Math.Ceiling(result.RetryAfter!.Value.TotalSeconds)).ToString(CultureInfo.InvariantCulture)),
        _ => TypedResults.ValidationProblem(
            result.Errors,
            title: title,
            detail: result.Accepted.Count > 0
                ? $"{result.Accepted.Count} messages were accepted; each refused one is named in 'errors' and kept as a dead letter."
                : "See 'errors' for each bad field; refused messages are kept as dead letters.",
            extensions: new Dictionary<string, object?>
            {
                ["accepted"] = result.Accepted.Count,
                ["deadLetters"] = result.DeadLetterIds,
            }),
    };

    /// <summary>The HTTP Basic user name (the write key, in Segment's scheme), or null.</summary>
    public static string? BasicUser(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? decoded : decoded[..colon];
            return user.Length == 0 ? null : user;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}

/// <summary>
/// The reply to accepted messages: Segment's clients read only the status and <c>success</c>. For an
/// early-binding source it also names the resolved profile: <c>profileId</c> for one message, <c>profileIds</c>
/// (in the order of the accepted messages) for a batch.
/// </summary>
public sealed record CollectReply(bool Success, string? ProfileId = null, IReadOnlyList<string?>? ProfileIds = null)
{
    public static CollectReply Of(CollectResult result, bool batch)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.BoundProfileIds switch
        {
            null => new CollectReply(true),
            [var one] when !batch => new CollectReply(true, one),
            var many => new CollectReply(true, ProfileIds: many),
        };
    }
}
