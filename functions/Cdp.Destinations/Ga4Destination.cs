using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Destinations;

namespace Cdp.Destinations;

/// <summary>
/// <c>ga4</c>: Google Analytics 4 Measurement Protocol, <c>POST {endpoint}/mp/collect?measurement_id=…&amp;api_secret=…</c>
/// with <c>{"client_id", "user_id", "events": [{"name", "params"}]}</c>, up to 25 events per request, one request per
/// client (the item's <c>anonymousId</c>, else its <c>userId</c>). A track event's name becomes a GA4 name (letters,
/// digits and underscores, starting with a letter, at most 40 characters: <c>Order Completed</c> → <c>order_completed</c>);
/// a page is <c>page_view</c>, a screen <c>screen_view</c>; scalar properties become params (at most 25, text cut to 100
/// characters). The endpoint answers 2xx even to a request it drops (use its <c>/debug/mp/collect</c> to check a setup).
/// </summary>
public sealed class Ga4Destination(IHttpClientFactory http) : IDestinationClient
{
    public const string DefaultEndpoint = "https://www.google-analytics.com";

    private const int MaxParams = 25;
    private const int MaxNameLength = 40;
    private const int MaxValueLength = 100;

    private static readonly string[] Taken = ["track", "page", "screen"];

    public string Type => "ga4";

    public DestinationReceives Receives => DestinationReceives.Events;

    public int MaxBatch => 25;

    public double DefaultRequestsPerSecond => 20;

    public IEnumerable<(string Field, string Problem)> Problems(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Settings.GetValueOrDefault("measurementId") is not { Length: > 0 })
        {
            yield return ("settings.measurementId", "The web stream's measurement id (G-…).");
        }

        if (secrets.GetValueOrDefault("apiSecret") is not { Length: > 0 })
        {
            yield return ("secrets.apiSecret", "A Measurement Protocol API secret of the stream.");
        }

        if (destination.Events?.Types is not { Count: > 0 } types || types.Any(t => !Taken.Contains(t)))
        {
            yield return ("events.types", "GA4 takes track, page and screen messages: list those to send.");
        }
    }

    public async Task<DeliveryResult> SendAsync(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(secrets);
        var url = string.Create(CultureInfo.InvariantCulture,
            $"{DestinationHttp.Endpoint(destination, DefaultEndpoint)}/mp/collect?measurement_id={Uri.EscapeDataString(destination.Settings["measurementId"])}&api_secret={Uri.EscapeDataString(secrets["apiSecret"])}");
        foreach (var client in items.GroupBy(i => DestinationHttp.Text(i["anonymousId"]) ?? DestinationHttp.Text(i["userId"]) ?? DestinationHttp.Text(i["messageId"])!))
        {
            var body = new JsonObject
            {
                ["client_id"] = client.Key,
                ["events"] = new JsonArray([.. client.Select(Event)]),
            };
            if (client.Select(i => DestinationHttp.Text(i["userId"])).LastOrDefault(u => u is not null) is { } userId)
            {
                body["user_id"] = userId;
            }

            if (client.Select(i => i["timestamp"] is JsonValue t && t.TryGetValue<DateTimeOffset>(out var at) ? at : (DateTimeOffset?)null).Min() is { } first)
            {
                body["timestamp_micros"] = (first - DateTimeOffset.UnixEpoch).Ticks / 10;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = DestinationHttp.Json(body) };
            var result = await DestinationHttp.SendAsync(http.CreateClient(DestinationHttp.ClientName), request, cancellationToken);
            if (result.Outcome != DeliveryOutcome.Delivered)
            {
                // A retry sends the whole batch again, the clients already sent included: GA4 has no de-duplication, so
                // those events count twice (docs/integrations.md says so).
                return result with { Error = result.Error?.Replace(secrets["apiSecret"], "***", StringComparison.Ordinal) };
            }
        }

        return DeliveryResult.Done;
    }

    /// <summary>The GA4 event of a Segment message.</summary>
    private static JsonObject Event(JsonObject item)
    {
        var type = DestinationHttp.Text(item["type"]);
        var parameters = new JsonObject();
        foreach (var (name, value) in (item["properties"] as JsonObject ?? []).Where(p => p.Value is JsonValue).Take(MaxParams))
        {
            parameters[Name(name)] = value!.GetValueKind() == JsonValueKind.String && DestinationHttp.Text(value) is { Length: > MaxValueLength } text ? text[..MaxValueLength] : value.DeepClone();
        }

        if (type == "page")
        {
            parameters["page_location"] ??= item["context"]?["page"]?["url"]?.DeepClone();
            parameters["page_title"] ??= item["name"]?.DeepClone();
        }
        else if (type == "screen")
        {
            parameters["screen_name"] ??= item["name"]?.DeepClone();
        }

        return new JsonObject
        {
            ["name"] = type switch { "page" => "page_view", "screen" => "screen_view", _ => Name(DestinationHttp.Text(item["event"]) ?? "event") },
            ["params"] = parameters,
        };
    }

    /// <summary>A GA4 name: lower case, runs of other characters as one underscore, starting with a letter, at most 40 characters.</summary>
    internal static string Name(string text)
    {
        var name = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                name.Append(c);
            }
            else if (name.Length > 0 && name[^1] != '_')
            {
                name.Append('_');
            }
        }

        var made = name.ToString().Trim('_');
        made = made.Length > 0 && char.IsAsciiLetter(made[0]) ? made : "e_" + made;
        return made.Length <= MaxNameLength ? made : made[..MaxNameLength].TrimEnd('_');
    }
}
