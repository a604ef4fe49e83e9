using Cdp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cdp.Functions.Privacy;

/// <summary>Master key rotation (<see cref="MasterKeyHandler"/>): a new generation, then pages of data keys rewrapped onto it.</summary>
public sealed class MasterKeyFunctions(MasterKeyHandler handler)
{
    [Function("RotateMasterKeyFunction")]
    public Task<IResult> RotateAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.PrivacyMasterKeys)] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.RotateAsync(cancellationToken);

    [Function("RewrapMasterKeysFunction")]
    public Task<IResult> RewrapAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = CdpRoutes.PrivacyMasterKeysRewrap)] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.RewrapAsync(request, cancellationToken);
}
