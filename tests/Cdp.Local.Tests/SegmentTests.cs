using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary>End to end over HTTP: define a segment, send events, see membership and the transitions, change the rule and see the back-fill.</summary>
public class SegmentTests
{
    private static Task<JsonObject?> FindAsync(HttpClient client, string user) =>
        client.GetOrNullAsync($"/api/profiles?identifier={Uri.EscapeDataString("user_id:" + user)}");

    [Fact]
    public async Task DefineSendSee_ThenChangeTheRule_AndTheBackfillFollows()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var created = await client.PutAsync("/api/segments/pro", HttpJson.Body("""{"name":"Pro plan","rule":"text(\"plan\") == \"pro\""}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"seg-ada","traits":{"plan":"pro"}}"""));
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"seg-bob","traits":{"plan":"team"}}"""));

        var ada = await Eventually.GetAsync(() => FindAsync(client, "seg-ada"), p => p["segments"]?["pro"] is not null);
        Assert.NotNull(ada["segments"]!["pro"]!["since"]);
        var entered = await Eventually.GetAsync(() => client.GetFromJsonAsync<JsonArray>("/api/segments/pro/transitions"), t => t.Count > 0);
        Assert.Equal(("entered", ada["id"]!.GetValue<string>()), (entered[0]!["kind"]!.GetValue<string>(), entered[0]!["profileId"]!.GetValue<string>()));
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonObject>("/api/segments/pro"))!["members"]!.GetValue<long>());

        // Bob was there before the new rule: the back-fill brings him in, Ada leaves.
        await Eventually.GetAsync(() => FindAsync(client, "seg-bob"), _ => true);
        using var changed = await client.PutAsync("/api/segments/pro", HttpJson.Body("""{"name":"Paid plans","rule":"text(\"plan\") == \"team\""}"""));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var segment = await Eventually.GetAsync(
            () => client.GetOrNullAsync("/api/segments/pro"),
            s => s["segment"]!["backfill"]!["done"]!.GetValue<bool>() && s["members"]!.GetValue<long>() == 1);
        Assert.Equal(2, segment["segment"]!["version"]!.GetValue<long>());
        var bob = await Eventually.GetAsync(() => FindAsync(client, "seg-bob"), p => p["segments"]?["pro"] is not null);
        var left = (await FindAsync(client, "seg-ada"))!;
        Assert.Null(left["segments"]!["pro"]);
        // The profile says when it left, and since when it had been in (docs/api.md: segmentExits).
        Assert.Equal(ada["segments"]!["pro"]!["since"]!.GetValue<DateTimeOffset>(), left["segmentExits"]!["pro"]!["since"]!.GetValue<DateTimeOffset>());
        Assert.NotNull(left["segmentExits"]!["pro"]!["at"]);
        // The transition is recorded from the change that wrote the membership, a moment after the profile shows it.
        var transitions = await Eventually.GetAsync(
            () => client.GetFromJsonAsync<JsonArray>("/api/segments/pro/transitions"),
            t => t.Any(e => e!["kind"]!.GetValue<string>() == "entered" && e["profileId"]!.GetValue<string>() == bob["id"]!.GetValue<string>()));
        Assert.Equal(bob["id"]!.GetValue<string>(), transitions.First(t => t!["kind"]!.GetValue<string>() == "entered")!["profileId"]!.GetValue<string>());
        Assert.Contains((await client.GetFromJsonAsync<JsonArray>("/api/segments"))!, s => s!["segment"]!["id"]!.GetValue<string>() == "pro");
    }

    [Fact]
    public async Task ABadRule_400ProblemDetails_PointingAtIt()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.PutAsync("/api/segments/bad", HttpJson.Body("""{"name":"Bad","rule":"count(\"track\") > 1 && plan == \"pro\""}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("At character 22: Unknown name 'plan'", problem["errors"]!["rule"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/segments/bad")).StatusCode);
    }
}
