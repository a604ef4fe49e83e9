using System.Text;
using Cdp.Core.Collect;
using Cdp.Core.DeadLetters;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// Admin: <c>GET /api/deadletters</c> lists dead letters; <c>POST /api/deadletters/{id}/replay</c> replays
/// one (a JSON body, when given, replaces the letter's body: the fix); <c>POST /api/deadletters/replay</c>
/// replays all. A replayed letter is removed; one that fails again stays, with the problems returned.
/// </summary>
public sealed class DeadLetterHandler(IDeadLetterStore store, CollectService collect)
{
    /// <summary>The most letters listed or replayed at once.</summary>
    public const int MaxBatch = 1000;

    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (limit, problem) = QueryLimit.Read(request, 100, MaxBatch, "The dead letters query is not valid.");
        return problem ?? TypedResults.Ok(await store.ListAsync(limit, cancellationToken));
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
        var result = await collect.ReplayAsync(letter, corrected, cancellationToken);
        return result.Outcome == CollectOutcome.Accepted
            ? TypedResults.Ok(new ReplayReply(id, true, result.Accepted.Count))
            : Problems.Invalid(result.Errors, $"Dead letter '{id}' still cannot be accepted; it is kept.");
    }

    public async Task<IResult> ReplayAllAsync(CancellationToken cancellationToken)
    {
        var replayed = new List<ReplayReply>();
        var failed = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var letter in await store.ListAsync(MaxBatch, cancellationToken))
        {
            var result = await collect.ReplayAsync(letter, null, cancellationToken);
            if (result.Outcome == CollectOutcome.Accepted)
            {
                replayed.Add(new ReplayReply(letter.Id, true, result.Accepted.Count));
            }
            else
            {
                failed[letter.Id] = [.. result.Errors.SelectMany(e => e.Value.Select(problem => $"{e.Key}: {problem}"))];
            }
        }

        return TypedResults.Ok(new ReplayAllReply(replayed, failed));
    }
}

public sealed record ReplayReply(string Id, bool Replayed, int Accepted);

/// <summary>What a replay of all letters did: those replayed, and the problems of those kept, by letter id.</summary>
public sealed record ReplayAllReply(IReadOnlyList<ReplayReply> Replayed, IReadOnlyDictionary<string, string[]> Failed);
