using System.Text.Json.Nodes;
using Cdp.Core.Destinations;

namespace Cdp.Destinations;

/// <summary>
/// <c>slack</c>: one message per item to a Slack incoming webhook (<c>secrets.webhookUrl</c>, which is the credential):
/// <c>POST {"text": …}</c>, the text <c>settings.template</c> with <c>{{path}}</c> placeholders over the item. Slack
/// allows about one message a second per webhook, and answers 429 with <c>Retry-After</c> beyond that.
/// </summary>
public sealed class SlackDestination(IHttpClientFactory http) : IDestinationClient
{
    public const string DefaultEventTemplate = "{{event}}{{name}} ({{type}}) by {{userId}}";
    public const string DefaultAudienceTemplate = "{{userId}} {{status}} {{audience}}";

    public string Type => "slack";

    public DestinationReceives Receives => DestinationReceives.Both;

    public int MaxBatch => 1;

    public double DefaultRequestsPerSecond => 1;

    public IEnumerable<(string Field, string Problem)> Problems(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!DestinationHttp.IsHttpUrl(secrets.GetValueOrDefault("webhookUrl")))
        {
            yield return ("secrets.webhookUrl", "The incoming webhook's URL (https://hooks.slack.com/services/…).");
        }

        if (destination.Settings.GetValueOrDefault("template") is { Length: 0 or > 3000 })
        {
            yield return ("settings.template", "Text of 1 to 3000 characters with {{path}} placeholders, or left out.");
        }
    }

    public async Task<DeliveryResult> SendAsync(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(items);
        var item = items.Single();
        var template = destination.Settings.GetValueOrDefault("template")
            ?? (item["type"]?.GetValue<string>() == "audience" ? DefaultAudienceTemplate : DefaultEventTemplate);
        using var request = new HttpRequestMessage(HttpMethod.Post, secrets["webhookUrl"])
        {
            Content = DestinationHttp.Json(new JsonObject { ["text"] = ItemTemplate.Render(template, item) }),
        };
        return await DestinationHttp.SendAsync(http.CreateClient(DestinationHttp.ClientName), request, cancellationToken);
    }
}
