using Cdp.Core.Destinations;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// <c>/api/destinations</c>: destinations created, changed, read (secrets by name only: they are write-only), deleted,
/// and each one's delivery status.
/// </summary>
public sealed class DestinationHandler(DestinationService service)
{
    /// <summary>The largest destination body accepted: 64 KB.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public async Task<IResult> ListAsync(CancellationToken cancellationToken) => TypedResults.Ok(await service.ListAsync(cancellationToken));

    public async Task<IResult> GetAsync(string id, CancellationToken cancellationToken) =>
        await service.GetAsync(id, cancellationToken) is { } destination ? TypedResults.Ok(destination) : NoDestination(id);

    public async Task<IResult> StatusAsync(string id, CancellationToken cancellationToken) =>
        await service.StatusAsync(id, cancellationToken) is { } status ? TypedResults.Ok(status) : NoDestination(id);

    /// <summary><c>201</c> when created, <c>200</c> when changed, with the destination (secrets by name).</summary>
    public async Task<IResult> PutAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync<DestinationDefinition>(request, MaxBodyBytes, "The destination is not valid.", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var result = await service.PutAsync(id, body, cancellationToken);
        return result.Outcome switch
        {
            DestinationOutcome.Invalid => Problems.Invalid(result.Errors!, "The destination is not valid."),
            DestinationOutcome.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The destination was changed meanwhile.", detail: "Read it again and retry."),
            DestinationOutcome.Created => TypedResults.Created($"/{CdpRoutes.Prefix}/destinations/{Uri.EscapeDataString(id)}", result.Destination),
            _ => TypedResults.Ok(result.Destination),
        };
    }

    public async Task<IResult> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await service.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : NoDestination(id);

    private static IResult NoDestination(string id) => Problems.NotFound($"No destination '{id}'.");
}
