using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cdp.Functions.Profiles;

/// <summary><c>GET /api/profiles/{id}</c>.</summary>
public sealed class GetProfileFunction(ProfileHandler handler)
{
    [Function(nameof(GetProfileFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Profile)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        handler.GetAsync(id, cancellationToken);
}

/// <summary><c>GET /api/profiles?identifier=type:value</c>.</summary>
public sealed class FindProfileFunction(ProfileHandler handler)
{
    [Function(nameof(FindProfileFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.Profiles)] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.FindAsync(request, cancellationToken);
}

/// <summary><c>GET /api/profiles/{id}/ledger</c>.</summary>
public sealed class GetProfileLedgerFunction(ProfileHandler handler)
{
    [Function(nameof(GetProfileLedgerFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.ProfileLedger)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        handler.LedgerAsync(id, cancellationToken);
}

/// <summary><c>GET /api/profiles/{id}/events</c>.</summary>
public sealed class GetProfileEventsFunction(ProfileHandler handler)
{
    [Function(nameof(GetProfileEventsFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.ProfileEvents)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        handler.EventsAsync(request, id, cancellationToken);
}


/// <summary><c>GET /api/health</c>.</summary>
public sealed class HealthFunction
{
    [Function(nameof(HealthFunction))]
    public static IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = CdpRoutes.Health)] HttpRequest request) =>
        HealthHandler.Get();
}

/// <summary><c>PUT /api/profiles/{id}/consents/{purpose}</c>: set a consent decision.</summary>
public sealed class PutProfileConsentFunction(ConsentHandler handler)
{
    [Function(nameof(PutProfileConsentFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = CdpRoutes.ProfileConsent)] HttpRequest request,
        string id,
        string purpose,
        CancellationToken cancellationToken) =>
        handler.PutAsync(request, id, purpose, cancellationToken);
}

/// <summary><c>GET /api/profiles/{id}/export</c>: everything held on the person.</summary>
public sealed class ExportProfileFunction(PrivacyHandler handler)
{
    [Function(nameof(ExportProfileFunction))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = CdpRoutes.ProfileExport)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        handler.ExportAsync(id, cancellationToken);
}
