using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Cdp.Core;
using Cdp.Testing;

namespace Cdp.Local.Tests;

/// <summary>
/// Destinations end to end on Cdp.Local (issue 20): configured over the API, fed by their own consumers, delivering to
/// local fakes of each tool (tests/Cdp.Testing/ToolFakes.cs) through their documented API, 401s and 429s included.
/// </summary>
public class DestinationTests
{
    /// <summary>Retries quick enough for a test (a 429's Retry-After of 1 s still holds), and few of them.</summary>
    private static readonly Dictionary<string, string> Quick = new()
    {
        ["Cdp:Destinations:RetryDelay"] = "00:00:00.050",
        ["Cdp:Destinations:MaxAttempts"] = "3",
    };

    private static async Task<JsonObject> PutAsync(HttpClient client, string id, string json, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await client.PutAsync($"/api/destinations/{id}", HttpJson.Body(json));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static async Task CollectAsync(HttpClient client, string type, string json)
    {
        using var response = await client.PostAsync($"/api/v1/{type}", HttpJson.Body(json));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static Task<JsonObject> StatusAsync(HttpClient client, string id, Func<JsonObject, bool> done) =>
        Eventually.GetAsync(() => client.GetOrNullAsync($"/api/destinations/{id}/status"), done);

    private static long Count(JsonObject status, string name) => status[name]!.GetValue<long>();

    [Fact]
    public async Task AWebhookDestination_ReceivesTheChosenEventsAfterItWasCreated_MappedSignedAndRetriedThrough429()
    {
        // The first delivery is answered 429, the second accepted.
        using var receiver = new WebhookReceiver(HttpStatusCode.TooManyRequests);
        await using var app = new LocalApp(Quick);
        using var client = app.CreateClient();
        await CollectAsync(client, "track", """{"userId":"before","event":"Order Completed","messageId":"m-before"}""");
        await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:before"), _ => true);

        var created = await PutAsync(client, "orders", $$$"""
            {"name":"Orders","type":"webhook","settings":{"url":"{{{receiver.Url}}}hook"},"secrets":{"signingKey":"a-signing-key-of-32-characters!!"},
             "events":{"types":["track"],"names":["Order Completed"]},
             "mapping":[{"op":"rename","from":"properties.total","to":"properties.revenue"},{"op":"drop","path":"context"},{"op":"set","path":"properties.channel","value":"web"}]}
            """);
        Assert.Equal(["signingKey"], created["secretNames"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.DoesNotContain("a-signing-key", created.ToJsonString(), StringComparison.Ordinal);

        await CollectAsync(client, "identify", """{"userId":"u1","traits":{"plan":"pro"},"messageId":"m-identify"}""");
        await CollectAsync(client, "track", """{"userId":"u1","event":"Product Viewed","messageId":"m-viewed"}""");
        await CollectAsync(client, "track", """{"userId":"u1","event":"Order Completed","properties":{"total":42},"context":{"ip":"10.0.0.1"},"messageId":"m-order"}""");

        var status = await StatusAsync(client, "orders", s => Count(s, "delivered") == 1 && s["backlog"]!.GetValue<long>() == 0);
        Assert.Equal(0, Count(status, "deadLettered"));
        Assert.Equal(2, receiver.Calls.Count);
        var (refused, delivered) = (receiver.Calls.First(), receiver.Calls.Last());
        Assert.Equal(429, refused.AnsweredStatus);
        Assert.Equal(refused.Body, delivered.Body);
        Assert.Equal(refused.Headers["Idempotency-Key"], delivered.Headers["Idempotency-Key"]);

        // Signed as journey webhooks are; only the order, as mapped; nothing from before the destination existed.
        var timestamp = delivered.Headers[WebhookSignature.TimestampHeader];
        Assert.Equal(WebhookSignature.Sign(Encoding.UTF8.GetBytes("a-signing-key-of-32-characters!!"), timestamp, delivered.Body), delivered.Headers[WebhookSignature.SignatureHeader]);
        var body = JsonNode.Parse(delivered.Body)!;
        Assert.Equal("orders", body["destination"]!.GetValue<string>());
        var item = Assert.Single(body["items"]!.AsArray())!;
        Assert.Equal(("m-order", 42, "web"), (item["messageId"]!.GetValue<string>(), item["properties"]!["revenue"]!.GetValue<int>(), item["properties"]!["channel"]!.GetValue<string>()));
        Assert.Null(item["properties"]!["total"]);
        Assert.Null(item["context"]);
    }

    [Fact]
    public async Task ASegmentDestination_ForwardsEvents_AWrongKeyDeadLetters_AndTheLetterReplaysOnceTheKeyIsFixed()
    {
        using var segment = new SegmentFake("right-key");
        await using var app = new LocalApp(Quick);
        using var client = app.CreateClient();
        await PutAsync(client, "warehouse", $$$"""
            {"name":"Warehouse","type":"segment","settings":{"endpoint":"{{{segment.Endpoint}}}"},"secrets":{"writeKey":"wrong-key"},"events":{}}
            """);

        await CollectAsync(client, "track", """{"userId":"u1","event":"Signed Up","messageId":"m-1"}""");
        var failing = await StatusAsync(client, "warehouse", s => Count(s, "deadLettered") == 1);
        Assert.Contains("401", failing["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(segment.Messages);

        // A 401 is not retried: one request, one dead letter of the destination, with the reason.
        Assert.Single(segment.Requests);
        var letters = (await client.GetFromJsonAsync<JsonArray>("/api/deadletters?stage=destination&source=warehouse"))!;
        var letter = Assert.Single(letters)!;
        Assert.Contains("401", letter["reason"]!.GetValue<string>(), StringComparison.Ordinal);

        // The key fixed (the other settings kept as they were), the letter replays; the stream goes on.
        await PutAsync(client, "warehouse", $$$"""
            {"name":"Warehouse","type":"segment","settings":{"endpoint":"{{{segment.Endpoint}}}"},"secrets":{"writeKey":"right-key"},"events":{}}
            """, HttpStatusCode.OK);
        using var replay = await client.PostAsync($"/api/deadletters/{letter["id"]!.GetValue<string>()}/replay", null);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        await CollectAsync(client, "identify", """{"userId":"u1","traits":{"plan":"pro"},"messageId":"m-2"}""");

        await StatusAsync(client, "warehouse", s => Count(s, "delivered") == 2);
        Assert.Equal(["m-1", "m-2"], segment.Messages.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Signed Up", segment.Messages["m-1"]["event"]!.GetValue<string>());
        Assert.Empty((await client.GetFromJsonAsync<JsonArray>("/api/deadletters?stage=destination"))!);
    }

    [Fact]
    public async Task AHubSpotDestination_UpsertsContactsAndKeepsTheListInStepWithTheSegment()
    {
        using var hubspot = new HubSpotFake("pat-token", "17");
        await using var app = new LocalApp(Quick);
        using var client = app.CreateClient();
        await client.PutAsync("/api/segments/pro", HttpJson.Body("""{"name":"Pro plan","rule":"text(\"plan\") == \"pro\""}"""));

        // Already a member before the destination exists: an audience destination starts with the current members.
        await CollectAsync(client, "identify", """{"userId":"ann","traits":{"plan":"pro","email":"ann@example.com","phone":"+3312345678"}}""");
        await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:ann"), p => p["segments"]?["pro"] is not null);
        hubspot.ThrottleNext(1);
        await PutAsync(client, "crm", $$$"""
            {"name":"CRM","type":"hubspot","settings":{"endpoint":"{{{hubspot.Endpoint}}}"},"secrets":{"accessToken":"pat-token"},
             "audiences":{"segments":["pro"],"traits":["plan"],"names":{"pro":"17"}},"personalData":["email"]}
            """);
        await Eventually.GetAsync(() => Task.FromResult<object?>(hubspot.Members("17")), m => ((IReadOnlyList<string>)m).Count == 1);
        Assert.Equal(1, hubspot.Throttled);

        await CollectAsync(client, "identify", """{"userId":"bob","traits":{"plan":"pro","email":"bob@example.com"}}""");
        await Eventually.GetAsync(() => Task.FromResult<object?>(hubspot.Members("17")), m => ((IReadOnlyList<string>)m).Count == 2);
        Assert.Equal(["ann@example.com", "bob@example.com"], hubspot.Members("17"));

        // Ann leaves the segment: she is removed from the list; her contact stays, with the new plan.
        await CollectAsync(client, "identify", """{"userId":"ann","traits":{"plan":"free"}}""");
        await Eventually.GetAsync(() => Task.FromResult<object?>(hubspot.Members("17")), m => ((IReadOnlyList<string>)m).Count == 1);
        Assert.Equal(["bob@example.com"], hubspot.Members("17"));
        await Eventually.GetAsync(() => Task.FromResult<object?>(hubspot.Contacts["ann@example.com"].Properties), p => ((JsonObject)p)["plan"]?.GetValue<string>() == "free");

        // The phone is personal data not allowed: never sent.
        Assert.Null(hubspot.Contacts["ann@example.com"].Properties["phone"]);
        var status = await StatusAsync(client, "crm", s => s["backlog"]!.GetValue<long>() == 0);
        Assert.Equal(0, Count(status, "deadLettered"));
    }

    [Fact]
    public async Task AMailchimpDestination_UpsertsMembersAndTagsThem_ThroughA429_AndAWrongKeyDeadLetters()
    {
        using var mailchimp = new MailchimpFake("key-us21", "list1");
        await using var app = new LocalApp(Quick);
        using var client = app.CreateClient();
        await client.PutAsync("/api/segments/trial", HttpJson.Body("""{"name":"Trial","rule":"text(\"plan\") == \"trial\""}"""));
        await PutAsync(client, "newsletter", $$$"""
            {"name":"Newsletter","type":"mailchimp","settings":{"endpoint":"{{{mailchimp.Endpoint}}}","listId":"list1","status":"pending"},"secrets":{"apiKey":"key-us21"},
             "audiences":{"segments":["trial"],"traits":["firstName"],"names":{"trial":"Trial users"}},"personalData":["email","firstName"],
             "mapping":[{"op":"rename","from":"traits.firstName","to":"traits.FNAME"}]}
            """);

        mailchimp.ThrottleNext(2);
        await CollectAsync(client, "identify", """{"userId":"cy","traits":{"plan":"trial","email":"Cy@Example.com","firstName":"Cy"}}""");
        var member = await Eventually.GetAsync(() => Task.FromResult(mailchimp.Members.GetValueOrDefault("cy@example.com")), m => m.Tags.ContainsKey("Trial users"));
        Assert.Equal(("pending", "Cy"), (member.Status, member.MergeFields["FNAME"]!.GetValue<string>()));
        Assert.Equal(2, mailchimp.Throttled);

        await CollectAsync(client, "identify", """{"userId":"cy","traits":{"plan":"paid"}}""");
        await Eventually.GetAsync(() => Task.FromResult<object?>(member.Tags), t => ((System.Collections.ICollection)t).Count == 0);

        // A wrong key: Mailchimp's 401 is not retried, the item is a dead letter and the status says why.
        await PutAsync(client, "newsletter", $$$"""
            {"name":"Newsletter","type":"mailchimp","settings":{"endpoint":"{{{mailchimp.Endpoint}}}","listId":"list1"},"secrets":{"apiKey":"bad-us21"},
             "audiences":{"segments":["trial"]},"personalData":["email"]}
            """, HttpStatusCode.OK);
        await CollectAsync(client, "identify", """{"userId":"di","traits":{"plan":"trial","email":"di@example.com"}}""");
        var status = await StatusAsync(client, "newsletter", s => Count(s, "deadLettered") >= 1);
        Assert.True(Count(status, "deadLettered") >= 1, status.ToJsonString() + string.Join(",", mailchimp.Requests));
        Assert.Contains("401", status["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(mailchimp.Members.ContainsKey("di@example.com"));
    }

    [Fact]
    public async Task ASlackDestination_PostsTheTemplate_AndAGa4Destination_SendsMeasurementProtocolEvents()
    {
        using var slack = new SlackFake("xyz");
        using var ga4 = new Ga4Fake("G-TEST", "mp-secret");
        await using var app = new LocalApp(Quick);
        using var client = app.CreateClient();
        await PutAsync(client, "sales-channel", $$$"""
            {"name":"Sales","type":"slack","settings":{"template":"{{userId}} ordered for {{properties.total}} EUR"},"secrets":{"webhookUrl":"{{{slack.WebhookUrl()}}}"},
             "events":{"names":["Order Completed"]}}
            """);
        await PutAsync(client, "analytics", $$$"""
            {"name":"GA4","type":"ga4","settings":{"endpoint":"{{{ga4.Endpoint}}}","measurementId":"G-TEST"},"secrets":{"apiSecret":"mp-secret"},
             "events":{"types":["track","page"]}}
            """);

        await CollectAsync(client, "page", """{"anonymousId":"a-1","name":"Pricing","context":{"page":{"url":"https://shop.example/pricing"}}}""");
        await CollectAsync(client, "track", """{"anonymousId":"a-1","userId":"eve","event":"Order Completed","properties":{"total":99.5,"currency":"EUR"}}""");
        await CollectAsync(client, "identify", """{"userId":"eve","traits":{"plan":"pro"}}""");

        var text = await Eventually.GetAsync(() => Task.FromResult(slack.Texts.LastOrDefault()), _ => true);
        Assert.Equal("eve ordered for 99.5 EUR", text);
        await StatusAsync(client, "analytics", s => Count(s, "delivered") == 2);
        Assert.Equal(["page_view", "order_completed"], ga4.Events.Select(e => e.Event["name"]!.GetValue<string>()));
        var order = ga4.Events.Last();
        Assert.Equal(("a-1", "eve", "EUR"), (order.ClientId, order.UserId, order.Event["params"]!["currency"]!.GetValue<string>()));
        Assert.Equal("https://shop.example/pricing", ga4.Events.First().Event["params"]!["page_location"]!.GetValue<string>());

        // A wrong Slack webhook is Slack's 403: a dead letter; GA4 drops a wrong secret silently, as the real endpoint does.
        await PutAsync(client, "sales-channel", $$$"""
            {"name":"Sales","type":"slack","secrets":{"webhookUrl":"{{{slack.WebhookUrl("revoked")}}}"},"events":{"names":["Order Completed"]}}
            """, HttpStatusCode.OK);
        await CollectAsync(client, "track", """{"userId":"eve","event":"Order Completed","properties":{"total":1}}""");
        var failed = await StatusAsync(client, "sales-channel", s => Count(s, "deadLettered") == 1);
        Assert.Contains("403", failed["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADestinationWithAPurpose_SendsOnlyPeopleWhoGrantedIt_AndAFailingDestinationHoldsBackNoOther()
    {
        using var granted = new WebhookReceiver();
        using var broken = new WebhookReceiver([.. Enumerable.Repeat(HttpStatusCode.InternalServerError, 1000)]);
        await using var app = new LocalApp(Quick);
        using var client = app.CreateClient();
        await PutAsync(client, "marketing", $$$"""
            {"name":"Marketing","type":"webhook","settings":{"url":"{{{granted.Url}}}"},"secrets":{"signingKey":"a-signing-key-of-32-characters!!"},
             "events":{"types":["track"]},"purpose":"marketing_email"}
            """);
        await PutAsync(client, "broken", $$$"""
            {"name":"Broken","type":"webhook","settings":{"url":"{{{broken.Url}}}"},"secrets":{"signingKey":"a-signing-key-of-32-characters!!"},"events":{}}
            """);

        await CollectAsync(client, "identify", """{"userId":"yes","traits":{"plan":"pro"}}""");
        var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:yes"), p => p["traits"]?["plan"] is not null);
        using (var consent = await client.PutAsync($"/api/profiles/{profile["id"]!.GetValue<string>()}/consents/marketing_email", HttpJson.Body("""{"granted":true}""")))
        {
            Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        }

        await CollectAsync(client, "track", """{"userId":"yes","event":"Clicked","messageId":"m-yes"}""");
        await CollectAsync(client, "track", """{"userId":"no","event":"Clicked","messageId":"m-no"}""");
        await CollectAsync(client, "track", """{"userId":"inline","event":"Clicked","messageId":"m-inline","context":{"consent":{"categoryPreferences":{"marketing_email":true}}}}""");

        var status = await StatusAsync(client, "marketing", s => Count(s, "delivered") + Count(s, "withheld") == 3);
        Assert.Equal((2, 1), (Count(status, "delivered"), Count(status, "withheld")));
        var sent = granted.Calls.SelectMany(c => JsonNode.Parse(c.Body)!["items"]!.AsArray()).Select(i => i!["messageId"]!.GetValue<string>());
        Assert.Equal(["m-inline", "m-yes"], sent.Order(StringComparer.Ordinal));

        // The broken one retried each batch a bounded number of times, then dead-lettered it and went on.
        var brokenStatus = await StatusAsync(client, "broken", s => s["backlog"]!.GetValue<long>() == 0);
        Assert.True(Count(brokenStatus, "deadLettered") >= 4, brokenStatus.ToJsonString());
        Assert.Contains("500", brokenStatus["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadDestinations_Are400NamingEachField_SecretsAreWriteOnly_AndDeletingStopsDelivery()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        using var bad = await client.PutAsync("/api/destinations/x", HttpJson.Body("""
            {"name":"","type":"hubspot","audiences":{"segments":["pro"]},"mapping":[{"op":"nope"}],"personalData":["shoeSize"]}
            """));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).ToHashSet();
        Assert.Superset(new HashSet<string> { "name", "secrets.accessToken", "audiences.names.pro", "mapping[0].op", "personalData[0]" }, errors);

        using var wrongKind = await client.PutAsync("/api/destinations/x", HttpJson.Body("""
            {"name":"X","type":"ga4","settings":{"measurementId":"G-1"},"secrets":{"apiSecret":"s"},"audiences":{"segments":["pro"]}}
            """));
        Assert.Contains("audiences", (await wrongKind.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key));

        var created = await PutAsync(client, "hook", """
            {"name":"Hook","type":"webhook","settings":{"url":"http://127.0.0.1:9/"},"secrets":{"signingKey":"a-signing-key-of-32-characters!!"},"events":{}}
            """);
        Assert.Equal("hook", created["id"]!.GetValue<string>());
        var listed = await client.GetStringAsync("/api/destinations");
        Assert.DoesNotContain("a-signing-key", listed, StringComparison.Ordinal);
        Assert.Equal(["hook"], JsonNode.Parse(listed)!.AsArray().Select(d => d!["id"]!.GetValue<string>()));

        using var anonymous = app.CreateAnonymousClient();
        using (var refused = await anonymous.GetAsync("/api/destinations"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var deleted = await client.DeleteAsync("/api/destinations/hook"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var gone = await client.GetAsync("/api/destinations/hook/status"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
    }
}
