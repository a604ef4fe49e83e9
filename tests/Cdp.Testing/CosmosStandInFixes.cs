using System.Net;
using System.Text;

namespace Cdp.Testing;

/// <summary>
/// For the Cosmos DB stand-in (<c>@vercel/cosmosdb-server</c>) only: it answers a read of a missing item with
/// 500 instead of the 404 Cosmos DB returns; this handler rewrites exactly that reply and nothing else.
/// </summary>
public sealed class CosmosStandInFixes : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method == HttpMethod.Get
            && response.StatusCode == HttpStatusCode.InternalServerError
            && request.RequestUri?.AbsolutePath.Contains("/docs/", StringComparison.Ordinal) == true)
        {
            response.Dispose();
            return new HttpResponseMessage(HttpStatusCode.NotFound)
            {
                RequestMessage = request,
                Content = new StringContent("""{"code":"NotFound","message":"Entity with the specified id does not exist in the system."}""", Encoding.UTF8, "application/json"),
            };
        }

        return response;
    }
}
