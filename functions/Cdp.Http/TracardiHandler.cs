using Cdp.Core.Collect;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// <c>POST /api/track</c>, Tracardi-style: <c>source.id</c> (the write key), <c>session.id</c>, optional
/// <c>profile.id</c> (a visitor token from an earlier reply), and <c>events[]</c>. The reply carries the visitor
/// token the client keeps; it names no profile.
/// </summary>
public sealed class TracardiHandler(CollectService collect)
{
    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var read = await RequestBody.ReadAsync(request, CollectHandler.MaxBatchBytes, cancellationToken);
        if (read.Body is not { } body)
        {
            return read.ToProblem(CollectHandler.MaxBatchBytes);
        }

        var tracked = await collect.CollectTracardiAsync(body, cancellationToken);
        return Replies.From(
            tracked.Result,
            "The track request holds invalid events.",
            () => new TracardiReply(new TracardiProfile(tracked.ProfileId), tracked.Result.Accepted.Count));
    }
}

/// <summary>The reply to a Tracardi-style track: the visitor token to keep (as Tracardi's <c>profile.id</c>) and how many events were accepted.</summary>
public sealed record TracardiReply(TracardiProfile Profile, int Accepted);

public sealed record TracardiProfile(string? Id);
