using Cdp.Core.Sources;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// <c>/api/sources</c>: every source with its binding and request limits (never a key or its hash); sources created
/// over the API (<c>PUT</c>, the write key in the reply that creates it and never again), given a new key, deleted.
/// Sources in configuration are answered <c>409</c> to a change.
/// </summary>
public sealed class SourceHandler(SourceRegistry sources, SourceService service)
{
    /// <summary>The largest source body accepted: 16 KB.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public async Task<IResult> ListAsync(CancellationToken cancellationToken) => TypedResults.Ok(await sources.ListAsync(cancellationToken));

    public async Task<IResult> GetAsync(string id, CancellationToken cancellationToken) =>
        await sources.FindAsync(id, cancellationToken) is { } source ? TypedResults.Ok(sources.ViewOf(source)) : NoSource(id);

    /// <summary><c>201</c> with the source and its write key when created; <c>200</c> with the source when changed.</summary>
    public async Task<IResult> PutAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync<SourceRequest>(request, MaxBodyBytes, "The source is not valid.", cancellationToken);
        return problem ?? Reply(id, await service.PutAsync(id, body, cancellationToken));
    }

    /// <summary><c>200</c> with the source and its new write key (the old one stops working).</summary>
    public async Task<IResult> NewKeyAsync(string id, CancellationToken cancellationToken) => Reply(id, await service.NewKeyAsync(id, cancellationToken));

    public async Task<IResult> DeleteAsync(string id, CancellationToken cancellationToken) =>
        Reply(id, new SourceSaveResult(await service.DeleteAsync(id, cancellationToken)));

    private static IResult Reply(string id, SourceSaveResult result) => result.Outcome switch
    {
        SourceOutcome.Invalid => Problems.Invalid(result.Errors!, "The source is not valid."),
        SourceOutcome.NotFound => NoSource(id),
        SourceOutcome.Configured => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "The source is in configuration.",
            detail: $"Change '{id}' where it is configured (Cdp:Sources), or create a source with another id."),
        SourceOutcome.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The source was changed meanwhile.", detail: "Read it again and retry."),
        SourceOutcome.Created => TypedResults.Created($"/{CdpRoutes.Prefix}/sources/{Uri.EscapeDataString(id)}", new SourceKeyReply(result.Source!, result.WriteKey!)),
        _ when result.WriteKey is not null => TypedResults.Ok(new SourceKeyReply(result.Source!, result.WriteKey)),
        _ when result.Source is not null => TypedResults.Ok(result.Source),
        _ => TypedResults.NoContent(),
    };

    private static IResult NoSource(string id) => Problems.NotFound($"No source '{id}'.");
}
