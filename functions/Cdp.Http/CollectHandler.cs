using Cdp.Core.Collect;
using Cdp.Core.Events;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// The Segment HTTP Tracking API: <c>POST /api/v1/{identify|track|page|screen|group|alias}</c> with one
/// message, <c>POST /api/v1/batch</c> with many; write key as HTTP Basic user or <c>writeKey</c> in the body.
/// </summary>
public sealed class CollectHandler(CollectService collect)
{
    /// <summary>Segment's limit for a batch request: 500 KB.</summary>
    public const int MaxBatchBytes = 500 * 1024;

    public const string Batch = "batch";

    public async Task<IResult> HandleAsync(HttpRequest request, string type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        MessageType? messageType = null;
        if (!type.Equals(Batch, StringComparison.OrdinalIgnoreCase))
        {
            if (!MessageReader.TryParseType(type, out var parsed))
            {
                return Problems.NotFound($"There is no collection endpoint 'v1/{type}'; use identify, track, page, screen, group, alias or batch.");
            }

            messageType = parsed;
        }

        var limit = messageType is null ? MaxBatchBytes : MessageReader.MaxMessageBytes;
        var read = await RequestBody.ReadAsync(request, limit, cancellationToken);
        if (read.Body is not { } body)
        {
            return read is { Raw: { } sent, Problem: { } problem }
                ? Replies.From(await collect.RefuseUndecodableAsync(Replies.BasicUser(request), sent, problem, cancellationToken), "The request body cannot be read.")
                : read.ToProblem(limit);
        }

        var result = await collect.CollectAsync(new CollectRequest(body, messageType, Replies.BasicUser(request)), cancellationToken);
        return Replies.From(
            result,
            messageType is null ? "The batch holds invalid messages." : $"The {type} message is not valid.",
            () => CollectReply.Of(result, batch: messageType is null));
    }
}
