using Cdp.Core.Segments;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// <c>/api/segments</c>: segment definitions (<c>PUT</c> validates the rule and answers problem details naming
/// <c>rule</c>, <c>name</c>, <c>status</c> or <c>id</c>), their sizes and back-fill progress, and their transitions.
/// </summary>
public sealed class SegmentHandler(SegmentService segments, ISegmentTransitions transitions, SegmentPreviewer previewer)
{
    /// <summary>The largest segment body accepted: 64 KB.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public const int DefaultTransitionCount = 100;

    public const int MaxTransitionCount = 1000;

    public async Task<IResult> PutAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var (segment, problem) = await RequestBody.ReadJsonAsync<SegmentRequest>(request, MaxBodyBytes, "The segment is not valid.", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var saved = await segments.PutAsync(id, segment, cancellationToken);
        if (saved.Conflict)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The segment was changed meanwhile.", detail: "Read it again and retry.");
        }

        if (saved.Segment is null)
        {
            return Problems.Invalid(saved.Errors, "The segment is not valid.");
        }

        return saved.Created
            ? TypedResults.Created($"/{CdpRoutes.Prefix}/segments/{Uri.EscapeDataString(id)}", new SegmentView(saved.Segment, 0))
            : TypedResults.Ok(await segments.GetAsync(id, cancellationToken));
    }

    public async Task<IResult> GetAsync(string id, CancellationToken cancellationToken) =>
        await segments.GetAsync(id, cancellationToken) is { } view ? TypedResults.Ok(view) : NoSegment(id);

    public async Task<IResult> ListAsync(CancellationToken cancellationToken) => TypedResults.Ok(await segments.ListAsync(cancellationToken));

    /// <summary><c>202</c>: deleting (members are taken out, then the segment goes); <c>409</c> while other segments read it.</summary>
    public async Task<IResult> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var deletion = await segments.DeleteAsync(id, cancellationToken);
        if (deletion.Segment is null)
        {
            return NoSegment(id);
        }

        if (deletion.ReadBy.Count > 0)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Other segments read this one.",
                detail: $"Change or delete first: {string.Join(", ", deletion.ReadBy)}.");
        }

        return TypedResults.Accepted($"/{CdpRoutes.Prefix}/segments/{Uri.EscapeDataString(id)}", new SegmentView(deletion.Segment, await transitions.CountMembersAsync(id, cancellationToken)));
    }

    public async Task<IResult> TransitionsAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var (limit, problem) = QueryLimit.Read(request, DefaultTransitionCount, MaxTransitionCount, "The transitions query is not valid.");
        if (problem is not null)
        {
            return problem;
        }

        return await segments.GetAsync(id, cancellationToken) is null
            ? NoSegment(id)
            : TypedResults.Ok(await transitions.ListAsync(id, limit, cancellationToken));
    }

    /// <summary><c>POST /api/segments/preview</c>: the rule's problems (200 with <c>valid</c> false when it has any) and its matches in a sample.</summary>
    public async Task<IResult> PreviewAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        const string title = "The preview is not valid.";
        var (body, problem) = await RequestBody.ReadJsonAsync<SegmentPreviewRequest>(request, MaxBodyBytes, title, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return string.IsNullOrWhiteSpace(body?.Rule)
            ? Problems.Invalid("rule", "Give the rule to preview.", title)
            : TypedResults.Ok(await previewer.PreviewAsync(body.Rule, body.SegmentId, cancellationToken));
    }

    private static IResult NoSegment(string id) => Problems.NotFound($"There is no segment '{id}'.");
}
