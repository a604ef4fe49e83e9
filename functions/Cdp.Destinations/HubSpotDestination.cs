using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Destinations;

namespace Cdp.Destinations;

/// <summary>
/// <c>hubspot</c> (audiences): contacts are upserted by email, <c>POST {endpoint}/crm/v3/objects/contacts/batch/upsert</c>
/// with <c>{"inputs": [{"idProperty": "email", "id": email, "properties": {…}}]}</c> (up to 100), the item's traits as
/// properties (text); then each audience's entries and exits go to the HubSpot list its name gives (a list id:
/// <c>audiences.names</c>), <c>PUT /crm/v3/lists/{listId}/memberships/add</c> or <c>/remove</c> with the contacts' record
/// ids. Bearer auth with a private app's access token (<c>secrets.accessToken</c>, scopes <c>crm.objects.contacts.write</c>
/// and <c>crm.lists.write</c>). HubSpot allows a private app 100 requests per 10 s. A person without an email (or whose
/// email the destination's <c>personalData</c> does not allow) cannot be a contact: that item is a dead letter.
/// </summary>
public sealed class HubSpotDestination(IHttpClientFactory http) : IDestinationClient
{
    public const string DefaultEndpoint = "https://api.hubapi.com";

    public string Type => "hubspot";

    public DestinationReceives Receives => DestinationReceives.Audiences;

    public int MaxBatch => 100;

    public double DefaultRequestsPerSecond => 9;

    public IEnumerable<(string Field, string Problem)> Problems(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (secrets.GetValueOrDefault("accessToken") is not { Length: > 0 })
        {
            yield return ("secrets.accessToken", "A private app's access token.");
        }

        if (!destination.PersonalData.Contains("email"))
        {
            yield return ("personalData", "HubSpot finds contacts by email: allow 'email'.");
        }

        foreach (var segment in destination.Audiences?.Segments ?? [])
        {
            if (destination.Audiences?.Names?.GetValueOrDefault(segment) is not { Length: > 0 } list || !list.All(char.IsAsciiDigit))
            {
                yield return ("audiences.names." + segment, "The id of the HubSpot list (a static list) this segment's members go to.");
            }
        }
    }

    public async Task<DeliveryResult> SendAsync(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(items);
        var endpoint = DestinationHttp.Endpoint(destination, DefaultEndpoint);
        var client = http.CreateClient(DestinationHttp.ClientName);
        var refused = new Dictionary<int, string>();
        var contacts = new Dictionary<string, JsonObject>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < items.Count; i++)
        {
            if (DestinationHttp.Text(items[i]["email"]) is not { Length: > 0 } email)
            {
                refused[i] = "HubSpot needs the person's email, and the item has none.";
                continue;
            }

            var properties = contacts.TryGetValue(email, out var held) ? held : contacts[email] = [];
            foreach (var (name, value) in items[i]["traits"] as JsonObject ?? [])
            {
                properties[name] = DestinationHttp.Text(value);
            }
        }

        if (contacts.Count == 0)
        {
            return new DeliveryResult(DeliveryOutcome.Delivered, Refused: refused);
        }

        var ids = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var inputs = new JsonArray([.. contacts.Select(c => new JsonObject { ["idProperty"] = "email", ["id"] = c.Key, ["properties"] = c.Value })]);
        var upsert = await SendAsync(client, HttpMethod.Post, endpoint + "/crm/v3/objects/contacts/batch/upsert", new JsonObject { ["inputs"] = inputs }, secrets, cancellationToken, body =>
        {
            foreach (var result in JsonNode.Parse(body)?["results"]?.AsArray() ?? [])
            {
                if (DestinationHttp.Text(result?["properties"]?["email"]) is { } email && DestinationHttp.Text(result?["id"]) is { } id)
                {
                    ids[email] = id;
                }
            }

            return DeliveryResult.Done;
        });
        if (upsert.Outcome != DeliveryOutcome.Delivered)
        {
            return upsert;
        }

        var changes = items
            .Select((item, index) => (item, index))
            .Where(x => !refused.ContainsKey(x.index) && DestinationHttp.Text(x.item["type"]) == "audience")
            .GroupBy(x => (List: DestinationHttp.Text(x.item["audience"])!, Add: DestinationHttp.Text(x.item["status"]) == "entered"));
        foreach (var change in changes)
        {
            var records = new JsonArray();
            foreach (var (item, index) in change)
            {
                if (ids.TryGetValue(DestinationHttp.Text(item["email"])!, out var id))
                {
                    records.Add(id);
                }
                else
                {
                    refused[index] = "HubSpot did not return the contact's record id.";
                }
            }

            var membership = await SendAsync(client, HttpMethod.Put, $"{endpoint}/crm/v3/lists/{Uri.EscapeDataString(change.Key.List)}/memberships/{(change.Key.Add ? "add" : "remove")}", records, secrets, cancellationToken);
            if (membership.Outcome != DeliveryOutcome.Delivered)
            {
                return membership;
            }
        }

        return new DeliveryResult(DeliveryOutcome.Delivered, Refused: refused.Count > 0 ? refused : null);
    }

    private static async Task<DeliveryResult> SendAsync(HttpClient client, HttpMethod method, string url, JsonNode body, IReadOnlyDictionary<string, string> secrets, CancellationToken cancellationToken, Func<string, DeliveryResult>? onSuccess = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = DestinationHttp.Json(body) };
        request.Headers.Authorization = new("Bearer", secrets["accessToken"]);
        return await DestinationHttp.SendAsync(client, request, cancellationToken, onSuccess);
    }
}
