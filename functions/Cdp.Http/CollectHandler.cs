using Cdp.Core.Collect;
using Cdp.Core.Events;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary><c>POST /api/v1/{type}</c>: accepts one Segment-style message and answers as Segment does.</summary>
public sealed class CollectHandler(CollectService collect)
{
    /// <summary>Segment's limit for one message: 32 KB.</summary>
    public const int MaxMessageBytes = 32 * 1024;

    private static readonly Dictionary<string, MessageType> Accepted = new(StringComparer.OrdinalIgnoreCase)
    {
        ["identify"] = MessageType.Identify,
        ["track"] = MessageType.Track,
    };

    public async Task<IResult> HandleAsync(HttpRequest request, string type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Accepted.TryGetValue(type, out var messageType))
        {
            return Problems.NotFound($"There is no collection endpoint for '{type}'; use one of: {string.Join(", ", Accepted.Keys)}.");
        }

        var body = await RequestBody.ReadAsync(request, MaxMessageBytes, cancellationToken);
        if (body is null)
        {
            return Problems.TooLarge(MaxMessageBytes);
        }

        var result = await collect.CollectAsync(body.Value, messageType, cancellationToken);
        return result.Accepted is null
            ? Problems.Invalid(result.Errors, $"The {type} message is not valid.")
            : TypedResults.Ok(new CollectReply(true, result.Accepted.MessageId));
    }
}

/// <summary>The reply to an accepted message (Segment's clients read only the status and <c>success</c>).</summary>
public sealed record CollectReply(bool Success, string MessageId);
