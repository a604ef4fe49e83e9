using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cdp.Core;
using Cdp.Core.Destinations;

namespace Cdp.Destinations;

/// <summary>
/// <c>webhook</c>: POSTs <c>{"destination": id, "items": [...]}</c> (up to 100 items) to <c>settings.url</c>, signed as journey
/// webhooks are (<see cref="WebhookSignature"/>, key: the UTF-8 bytes of <c>secrets.signingKey</c>), with an
/// <c>Idempotency-Key</c> derived from the items' ids (the same for a retried batch).
/// </summary>
public sealed class WebhookDestination(IHttpClientFactory http, TimeProvider time) : IDestinationClient
{
    public string Type => "webhook";

    public DestinationReceives Receives => DestinationReceives.Both;

    public int MaxBatch => 100;

    public double DefaultRequestsPerSecond => 10;

    public IEnumerable<(string Field, string Problem)> Problems(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!DestinationHttp.IsHttpUrl(destination.Settings.GetValueOrDefault("url")))
        {
            yield return ("settings.url", "The receiver's absolute http(s) URL.");
        }

        if (secrets.GetValueOrDefault("signingKey") is not { Length: >= 16 })
        {
            yield return ("secrets.signingKey", "The key the receiver checks signatures with: at least 16 characters.");
        }
    }

    public async Task<DeliveryResult> SendAsync(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(secrets);
        var body = new JsonObject { ["destination"] = destination.Id, ["items"] = new JsonArray([.. items.Select(i => i.DeepClone())]) }.ToJsonString();
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, destination.Settings["url"]) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var ids = string.Join('\n', items.Select(i => i["messageId"]?.ToString()));
        request.Headers.Add("Idempotency-Key", destination.Id + ":" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ids)))[..32]);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp);
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(Encoding.UTF8.GetBytes(secrets["signingKey"]), timestamp, body));
        return await DestinationHttp.SendAsync(http.CreateClient(DestinationHttp.ClientName), request, cancellationToken);
    }
}
