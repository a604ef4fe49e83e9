using System.Globalization;
using System.Net.Http.Json;
using Cdp.Core.Events;
using Cdp.Core.Journeys;

namespace Cdp.Journeys;

/// <summary>
/// Posts a webhook step's call as JSON. Runs at least once (a retry after a timeout may post twice), so
/// every request carries an <c>Idempotency-Key</c> header (instance id and step) for the receiver to dedupe on.
/// </summary>
public sealed class SendWebhookActivity(HttpClient http)
{
    public const string Name = "SendWebhookActivity";

    /// <summary>Posts the call; throws on a non-success status so that the orchestrator's retry policy applies.</summary>
    public async Task<WebhookResult> RunAsync(WebhookCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var request = new HttpRequestMessage(HttpMethod.Post, call.Url)
        {
            Content = JsonContent.Create(call, options: CdpJson.Options),
        };
        request.Headers.Add("Idempotency-Key", string.Create(CultureInfo.InvariantCulture, $"{call.InstanceId}/{call.Step}"));
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return new WebhookResult((int)response.StatusCode);
    }
}
