using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary>An export of a richly populated person holds every category the privacy issue names.</summary>
public class ExportTests
{
    [Fact]
    public async Task Export_HoldsTheHistoryOfASegmentDeletedSince()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        await client.PutAsync("/api/segments/trial", HttpJson.Body("""{"name":"Trial","rule":"flag(\"trial\")"}"""));
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"t-user","traits":{"trial":true}}"""));
        var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:t-user"), p => p["segments"]?["trial"] is not null);
        using var deleted = await client.DeleteAsync("/api/segments/trial");
        await Eventually.GetAsync(async () => (await client.GetAsync("/api/segments/trial")).StatusCode == HttpStatusCode.NotFound ? new JsonObject() : null, _ => true);

        var export = (await client.GetFromJsonAsync<JsonObject>($"/api/profiles/{profile["id"]}/export"))!;

        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        Assert.Equal(["entered", "exited"], export["segmentHistory"]!.AsArray().Where(t => t!["segmentId"]!.GetValue<string>() == "trial").Select(t => t!["kind"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Export_HoldsProfileIdentifiersTraitsConsentsEventsLedgerSegmentHistoryAndJourneys()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        await client.PutAsync("/api/segments/vip", HttpJson.Body("""{"name":"VIP","rule":"flag(\"vip\")"}"""));
        await client.PutAsync("/api/journeys/vip-care", HttpJson.Body("""
            {"name":"VIP care","trigger":{"segmentEntered":"vip"},
             "steps":[{"type":"waitFor","event":"Never","timeout":"PT10M"}]}
            """));

        // Two profiles (a device, a signed-in user) that one message then merges; events, traits and consent on each.
        await client.PostAsync("/api/v1/track", HttpJson.Body("""{"anonymousId":"x-anon-1","event":"Viewed Pricing","properties":{"plan":"pro"}}"""));
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""
            {"userId":"x-user","anonymousId":"x-anon-2","traits":{"email":"xia@example.com","name":"Xia","vip":true},
             "context":{"consent":{"categoryPreferences":{"analytics":true}}}}
            """));
        var user = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:x-user"), p => p["segments"]?["vip"] is not null);
        await Eventually.GetAsync(() => client.GetFromJsonAsync<JsonArray>($"/api/profiles/{user["id"]}/journeys"), list => list.Count > 0);
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"x-user","anonymousId":"x-anon-1"}"""));
        var profile = await Eventually.GetAsync(
            () => client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:x-anon-1"),
            p => p["merged"]!.AsArray().Count > 0 && p["segments"]?["vip"] is not null);
        var id = profile["id"]!.GetValue<string>();
        using var consent = await client.PutAsync($"/api/profiles/{id}/consents/marketing_email", HttpJson.Body("""{"granted":false}"""));
        await Eventually.GetAsync(() => client.GetFromJsonAsync<JsonArray>($"/api/profiles/{id}/journeys"), list => list.Count > 0);

        using var response = await client.GetAsync($"/api/profiles/{id}/export");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var export = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var exported = export["profile"]!;
        Assert.Equal(id, exported["id"]!.GetValue<string>());
        Assert.Equal(
            ["anonymous_id:x-anon-1", "anonymous_id:x-anon-2", "email:xia@example.com", "user_id:x-user"],
            HttpJson.Identifiers(exported.AsObject()));
        Assert.Equal("xia@example.com", exported["traits"]!["email"]!["value"]!.GetValue<string>());
        Assert.NotNull(exported["traits"]!["email"]!["observedAt"]);
        Assert.NotNull(exported["traits"]!["email"]!["messageId"]);
        Assert.True(exported["consents"]!["analytics"]!["granted"]!.GetValue<bool>());
        Assert.False(exported["consents"]!["marketing_email"]!["granted"]!.GetValue<bool>());
        Assert.NotEmpty(exported["merged"]!.AsArray());
        Assert.Contains(export["events"]!.AsArray(), e => e!.ToJsonString().Contains("Viewed Pricing", StringComparison.Ordinal));
        Assert.True(export["events"]!.AsArray().Count >= 3);
        Assert.Contains(export["ledger"]!.AsArray(), e => e!["kind"]!.GetValue<string>() == "merge");
        Assert.Contains(export["ledger"]!.AsArray(), e => e!["kind"]!.GetValue<string>() == "link");
        Assert.Contains(export["segmentHistory"]!.AsArray(), t => t!["segmentId"]!.GetValue<string>() == "vip" && t["kind"]!.GetValue<string>() == "entered");
        // The merged-away profile's instance (ended by the merge) and the survivor's own enrollment: both are the person's.
        var journeys = export["journeys"]!.AsArray();
        Assert.Equal(2, journeys.Count);
        Assert.All(journeys, j => Assert.Equal("vip-care", j!["journeyId"]!.GetValue<string>()));
        Assert.Equal(exported["merged"]!.AsArray().Select(m => m!.GetValue<string>()).Append(id).Order(StringComparer.Ordinal), journeys.Select(j => j!["profileId"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/profiles/p_nobody/export")).StatusCode);
    }
}
