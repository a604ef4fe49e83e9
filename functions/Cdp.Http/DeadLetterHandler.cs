using System.Text;
using Cdp.Core.Collect;
using Cdp.Core.DeadLetters;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Cdp.Http;

/// <summary>
/// Admin: <c>GET /api/deadletters</c> lists dead letters a page at a time (filtered by stage or source);
/// <c>POST /api/deadletters/{id}/replay</c> replays one (a JSON body, when given, replaces the letter's body: the fix);
/// <c>POST /api/deadletters/replay</c> replays a page; <c>DELETE</c> removes one or a page. A replayed letter is removed;
/// one that fails again stays, with the problems returned.
/// </summary>
public sealed class DeadLetterHandler(IDeadLetterStore store, CollectService collect, Core.Changes.ProfileChangeReplay changes, Core.Destinations.DestinationDelivery destinations)
{
    /// <summary>The most letters listed or replayed at once.</summary>
    public const int MaxBatch = 1000;

    /// <summary>
    /// <c>GET /api/deadletters?limit&amp;after&amp;stage&amp;source</c>: a page of letters in id order; when more follow, a
    /// <c>Link: &lt;…?after=…&gt;; rel="next"</c> header names the next page.
    /// </summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (query, problem) = ReadQuery(request, 100, "The dead letters query is not valid.");
        if (query is null)
        {
            return problem!;
        }

        var page = await store.ListAsync(query, cancellationToken);
        if (page.Next is { } next)
        {
            var parameters = request.Query.Where(q => q.Key != "after").ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.Ordinal);
            parameters["after"] = next;
            request.HttpContext.Response.Headers.Link = $"<{QueryHelpers.AddQueryString(request.PathBase + request.Path, parameters)}>; rel=\"next\"";
        }

        return TypedResults.Ok(page.Letters);
    }

    /// <summary><c>DELETE /api/deadletters/{id}</c>: <c>204</c>, or <c>404</c> when there is no such letter.</summary>
    public async Task<IResult> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is null)
        {
            return Problems.NotFound($"There is no dead letter '{id}'.");
        }

        await store.RemoveAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary><c>DELETE /api/deadletters?limit&amp;after&amp;stage&amp;source</c>: deletes a page of letters (up to 1,000), tells how many and where the next page starts.</summary>
    public async Task<IResult> DeleteAllAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (query, problem) = ReadQuery(request, MaxBatch, "The dead letters to delete are not valid.");
        if (query is null)
        {
            return problem!;
        }

        var page = await store.ListAsync(query, cancellationToken);
        foreach (var letter in page.Letters)
        {
            await store.RemoveAsync(letter.Id, cancellationToken);
        }

        return TypedResults.Ok(new DeleteAllReply(page.Letters.Count, page.Next));
    }

    /// <summary>The page a request names: <c>limit</c> (1 to 1,000), <c>after</c> (a cursor), <c>stage</c> (collect or ingest), <c>source</c>.</summary>
    private static (DeadLetterQuery? Query, IResult? Problem) ReadQuery(HttpRequest request, int fallback, string title)
    {
        var (limit, problem) = QueryLimit.Read(request, fallback, MaxBatch, title);
        if (problem is not null)
        {
            return (null, problem);
        }

        var stage = request.Query.TryGetValue("stage", out var s) ? s.ToString() : null;
        if (stage is not null && !DeadLetter.Stages.Contains(stage))
        {
            return (null, Problems.Invalid("stage", $"One of {string.Join(", ", DeadLetter.Stages.Select(s => $"'{s}'"))}.", title));
        }

        var after = request.Query.TryGetValue("after", out var a) && a.ToString().Length > 0 ? a.ToString() : null;
        var source = request.Query.TryGetValue("source", out var src) && src.ToString().Length > 0 ? src.ToString() : null;
        return (new DeadLetterQuery(after, limit, stage, source), null);
    }

    public async Task<IResult> ReplayAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var letter = await store.GetAsync(id, cancellationToken);
        if (letter is null)
        {
            return Problems.NotFound($"There is no dead letter '{id}'.");
        }

        var read = await RequestBody.ReadAsync(request, CollectHandler.MaxBatchBytes, cancellationToken);
        if (read.Body is not { } body)
        {
            return read.ToProblem(CollectHandler.MaxBatchBytes);
        }

        var corrected = body.Length == 0 ? null : Encoding.UTF8.GetString(body.Span);
        var (accepted, errors) = await ReplayOneAsync(letter, corrected, cancellationToken);
        return errors is null
            ? TypedResults.Ok(new ReplayReply(id, true, accepted))
            : Problems.Invalid(errors, $"Dead letter '{id}' still cannot be accepted; it is kept.");
    }

    /// <summary>
    /// Replays one letter: a change letter marks its profile for a catch-up by the change feed's subscribers (accepted
    /// counts 1); a destination letter is sent to its destination once more (a corrected body replaces the item); any
    /// other is accepted again or put back on the stream. The problems when it is kept.
    /// </summary>
    private async Task<(int Accepted, IReadOnlyDictionary<string, string[]>? Errors)> ReplayOneAsync(DeadLetter letter, string? corrected, CancellationToken cancellationToken)
    {
        if (letter.Stage == DeadLetter.ChangesStage)
        {
            return (1, await changes.ReplayAsync(letter, cancellationToken));
        }

        if (letter.Stage == DeadLetter.DestinationStage)
        {
            var error = await destinations.ReplayAsync(corrected is null ? letter : letter with { Body = corrected }, cancellationToken);
            return error is null ? (1, null) : (0, new Dictionary<string, string[]>(StringComparer.Ordinal) { ["destination"] = [error] });
        }

        var result = await collect.ReplayAsync(letter, corrected, cancellationToken);
        return result.Outcome == CollectOutcome.Accepted ? (result.Accepted.Count, null) : (0, result.Errors);
    }

    /// <summary>
    /// <c>POST /api/deadletters/replay?limit&amp;after&amp;stage&amp;source</c>: replays a page of letters (up to 1,000); the
    /// reply's <c>next</c> continues after the page, so letters that fail again are not retried by the next call.
    /// </summary>
    public async Task<IResult> ReplayAllAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (query, problem) = ReadQuery(request, MaxBatch, "The dead letters to replay are not valid.");
        if (query is null)
        {
            return problem!;
        }

        var replayed = new List<ReplayReply>();
        var failed = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var page = await store.ListAsync(query, cancellationToken);
        foreach (var letter in page.Letters)
        {
            var (accepted, errors) = await ReplayOneAsync(letter, null, cancellationToken);
            if (errors is null)
            {
                replayed.Add(new ReplayReply(letter.Id, true, accepted));
            }
            else
            {
                failed[letter.Id] = [.. errors.SelectMany(e => e.Value.Select(problem => $"{e.Key}: {problem}"))];
            }
        }

        return TypedResults.Ok(new ReplayAllReply(replayed, failed, page.Next));
    }
}

public sealed record ReplayReply(string Id, bool Replayed, int Accepted);

/// <summary>What a replay of a page of letters did: those replayed, the problems of those kept (by letter id), and the next page's cursor.</summary>
public sealed record ReplayAllReply(IReadOnlyList<ReplayReply> Replayed, IReadOnlyDictionary<string, string[]> Failed, string? Next = null);

/// <summary>How many letters a bulk delete removed, and the next page's cursor (null after the last).</summary>
public sealed record DeleteAllReply(int Deleted, string? Next);
