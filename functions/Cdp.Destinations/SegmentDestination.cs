using System.Text.Json.Nodes;
using Cdp.Core.Destinations;

namespace Cdp.Destinations;

/// <summary>
/// <c>segment</c>: forwards to another Segment (or RudderStack) workspace through its HTTP Tracking API:
/// <c>POST {endpoint}/v1/batch</c> with <c>{"batch": [...]}</c> (up to 100 messages), HTTP Basic with
/// <c>secrets.writeKey</c> as the user. Events go as they were accepted (their <c>messageId</c> lets the workspace drop
/// a repeat); an audience item becomes an <c>identify</c> whose trait named after the audience is true on entry and
/// false on exit, as Segment's own audiences do. <c>settings.endpoint</c> defaults to <c>https://api.segment.io</c>
/// (<c>https://events.eu1.segmentapis.com</c> for the EU, a RudderStack data plane URL).
/// </summary>
public sealed class SegmentDestination(IHttpClientFactory http) : IDestinationClient
{
    public const string DefaultEndpoint = "https://api.segment.io";

    public string Type => "segment";

    public DestinationReceives Receives => DestinationReceives.Both;

    public int MaxBatch => 100;

    public double DefaultRequestsPerSecond => 50;

    public IEnumerable<(string Field, string Problem)> Problems(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (secrets.GetValueOrDefault("writeKey") is not { Length: > 0 })
        {
            yield return ("secrets.writeKey", "The write key of the workspace's HTTP source.");
        }

        if (destination.Settings.GetValueOrDefault("endpoint") is { } endpoint && !DestinationHttp.IsHttpUrl(endpoint))
        {
            yield return ("settings.endpoint", "An absolute http(s) URL, or left out for https://api.segment.io.");
        }
    }

    public async Task<DeliveryResult> SendAsync(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(secrets);
        var batch = new JsonArray([.. items.Select(Message)]);
        using var request = new HttpRequestMessage(HttpMethod.Post, DestinationHttp.Endpoint(destination, DefaultEndpoint) + "/v1/batch")
        {
            Content = DestinationHttp.Json(new JsonObject { ["batch"] = batch }),
        };
        request.Headers.Authorization = DestinationHttp.Basic(secrets["writeKey"], string.Empty);
        return await DestinationHttp.SendAsync(http.CreateClient(DestinationHttp.ClientName), request, cancellationToken);
    }

    /// <summary>The Segment message of an item: events as they are; audience items as identifies; one identity at least.</summary>
    private static JsonObject Message(JsonObject item)
    {
        var message = (JsonObject)item.DeepClone();
        if (message["type"]?.GetValue<string>() == "audience")
        {
            var traits = message["traits"] as JsonObject ?? [];
            traits[message["audience"]!.GetValue<string>()] = message["status"]!.GetValue<string>() == "entered";
            message = new JsonObject
            {
                ["type"] = "identify",
                ["messageId"] = item["messageId"]?.DeepClone(),
                ["userId"] = item["userId"]?.DeepClone(),
                ["anonymousId"] = item["anonymousId"]?.DeepClone(),
                ["timestamp"] = item["timestamp"]?.DeepClone(),
                ["traits"] = traits.DeepClone(),
            };
        }

        if (message["userId"] is null && message["anonymousId"] is null)
        {
            message["anonymousId"] = "cdp:" + item["profileId"]?.GetValue<string>();
        }

        return message;
    }
}
