using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cdp.Functions.Collect;

// Admin endpoints: function-level keys (x-functions-key) until the API has its own admin credential.

/// <summary><c>GET /api/deadletters</c> (admin).</summary>
public sealed class ListDeadLettersFunction(DeadLetterHandler handler)
{
    [Function(nameof(ListDeadLettersFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.DeadLetters)] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.ListAsync(request, cancellationToken);
}

/// <summary><c>POST /api/deadletters/{id}/replay</c> (admin).</summary>
public sealed class ReplayDeadLetterFunction(DeadLetterHandler handler)
{
    [Function(nameof(ReplayDeadLetterFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.DeadLetterReplay)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        handler.ReplayAsync(request, id, cancellationToken);
}

/// <summary><c>POST /api/deadletters/replay</c> (admin): a page of letters.</summary>
public sealed class ReplayDeadLettersFunction(DeadLetterHandler handler)
{
    [Function(nameof(ReplayDeadLettersFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.DeadLettersReplay)] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.ReplayAllAsync(request, cancellationToken);
}

/// <summary><c>DELETE /api/deadletters</c> (admin): a page of letters.</summary>
public sealed class DeleteDeadLettersFunction(DeadLetterHandler handler)
{
    [Function(nameof(DeleteDeadLettersFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = CdpRoutes.DeadLetters)] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.DeleteAllAsync(request, cancellationToken);
}

/// <summary><c>DELETE /api/deadletters/{id}</c> (admin).</summary>
public sealed class DeleteDeadLetterFunction(DeadLetterHandler handler)
{
    [Function(nameof(DeleteDeadLetterFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = CdpRoutes.DeadLetter)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        handler.DeleteAsync(id, cancellationToken);
}
