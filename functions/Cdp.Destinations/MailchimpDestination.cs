using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cdp.Core.Destinations;

namespace Cdp.Destinations;

/// <summary>
/// <c>mailchimp</c> (audiences): each person is upserted as a member of the Mailchimp audience <c>settings.listId</c>,
/// <c>PUT {endpoint}/3.0/lists/{listId}/members/{subscriber_hash}</c> (the MD5 of the lower-cased email) with
/// <c>{"email_address", "status_if_new", "merge_fields"}</c> — <c>status_if_new</c> is <c>settings.status</c>
/// (<c>subscribed</c> by default; a member's status is never changed, so an unsubscribe in Mailchimp stands), the merge
/// fields the traits whose names are merge tags (upper case: map <c>traits.firstName</c> to <c>traits.FNAME</c>) — then
/// an audience's entry or exit sets its tag active or inactive, <c>POST …/members/{hash}/tags</c>. HTTP Basic with any
/// user and <c>secrets.apiKey</c>; the data center is the key's suffix (<c>…-us21</c>). Mailchimp allows 10 connections
/// at once per key.
/// </summary>
public sealed class MailchimpDestination(IHttpClientFactory http) : IDestinationClient
{
    private static readonly string[] Statuses = ["subscribed", "pending", "transactional", "unsubscribed"];

    public string Type => "mailchimp";

    public DestinationReceives Receives => DestinationReceives.Audiences;

    public int MaxBatch => 10;

    public double DefaultRequestsPerSecond => 2;

    public IEnumerable<(string Field, string Problem)> Problems(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (secrets.GetValueOrDefault("apiKey") is not { } key || key.LastIndexOf('-') is var dash && (dash <= 0 || dash == key.Length - 1))
        {
            yield return ("secrets.apiKey", "A Mailchimp API key (it ends with its data center, e.g. -us21).");
        }

        if (destination.Settings.GetValueOrDefault("listId") is not { Length: > 0 })
        {
            yield return ("settings.listId", "The id of the Mailchimp audience (list) members are kept in.");
        }

        if (destination.Settings.GetValueOrDefault("status") is { } status && !Statuses.Contains(status))
        {
            yield return ("settings.status", $"A new member's status: one of {string.Join(", ", Statuses)} (subscribed when left out).");
        }

        if (!destination.PersonalData.Contains("email"))
        {
            yield return ("personalData", "Mailchimp members are email addresses: allow 'email'.");
        }
    }

    public async Task<DeliveryResult> SendAsync(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(items);
        var key = secrets["apiKey"];
        var members = $"{DestinationHttp.Endpoint(destination, $"https://{key[(key.LastIndexOf('-') + 1)..]}.api.mailchimp.com")}/3.0/lists/{Uri.EscapeDataString(destination.Settings["listId"])}/members/";
        var client = http.CreateClient(DestinationHttp.ClientName);
        var refused = new Dictionary<int, string>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (DestinationHttp.Text(item["email"]) is not { Length: > 0 } email)
            {
                refused[i] = "Mailchimp needs the person's email, and the item has none.";
                continue;
            }

            var member = members + SubscriberHash(email);
            var mergeFields = new JsonObject((item["traits"] as JsonObject ?? [])
                .Where(t => t.Key.Length > 0 && t.Key.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
                .Select(t => KeyValuePair.Create(t.Key, t.Value?.DeepClone())));
            var upsert = new JsonObject
            {
                ["email_address"] = email,
                ["status_if_new"] = destination.Settings.GetValueOrDefault("status") ?? "subscribed",
                ["merge_fields"] = mergeFields,
            };
            var result = await SendAsync(client, HttpMethod.Put, member, upsert, key, cancellationToken);
            if (result.Outcome == DeliveryOutcome.Delivered && DestinationHttp.Text(item["type"]) == "audience")
            {
                var tag = new JsonObject { ["name"] = DestinationHttp.Text(item["audience"]), ["status"] = DestinationHttp.Text(item["status"]) == "entered" ? "active" : "inactive" };
                result = await SendAsync(client, HttpMethod.Post, member + "/tags", new JsonObject { ["tags"] = new JsonArray(tag) }, key, cancellationToken);
            }

            switch (result.Outcome)
            {
                case DeliveryOutcome.Retry:
                    // The members before this one are done; a retry upserts and tags them again, which changes nothing.
                    return result;
                case DeliveryOutcome.Refused when IsWholeKey(result):
                    return result;
                case DeliveryOutcome.Refused:
                    refused[i] = result.Error ?? "Refused.";
                    break;
            }
        }

        return new DeliveryResult(DeliveryOutcome.Delivered, Refused: refused.Count > 0 ? refused : null);
    }

    /// <summary>Mailchimp's subscriber hash: the hex MD5 of the lower-cased email (its API defines it so; not a security use).</summary>
#pragma warning disable CA5351 // MD5 is what Mailchimp's API names members by.
    internal static string SubscriberHash(string email) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant())));
#pragma warning restore CA5351

    /// <summary>A refusal of the key or the list (401, 403, 404 of the list) refuses every item alike: the batch is refused.</summary>
    private static bool IsWholeKey(DeliveryResult result) => result.Error?.Contains(" answered 401", StringComparison.Ordinal) == true || result.Error?.Contains(" answered 403", StringComparison.Ordinal) == true;

    private static async Task<DeliveryResult> SendAsync(HttpClient client, HttpMethod method, string url, JsonNode body, string apiKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url) { Content = DestinationHttp.Json(body) };
        request.Headers.Authorization = DestinationHttp.Basic("cdp", apiKey);
        return await DestinationHttp.SendAsync(client, request, cancellationToken);
    }
}
