using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary>Early and late binding through the HTTP API, and what a merged-away profile id answers.</summary>
public class BindingTests
{
    private static readonly Dictionary<string, string> Early = new() { ["Cdp:Sources:0:Binding"] = "Early" };

    private static async Task<JsonObject> PostAsync(HttpClient client, string path, string json)
    {
        using var response = await client.PostAsync(path, HttpJson.Body(json));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task EarlyBinding_ReplyNamesTheProfile_WhichExistsBeforeIngest_AndIngestFillsTheSameOne()
    {
        await using var app = new LocalApp(Early);
        using var client = app.CreateClient();

        var reply = await PostAsync(client, "/api/v1/identify", """{"anonymousId":"anon-e","userId":"user-e","traits":{"plan":"pro"}}""");

        var profileId = reply["profileId"]!.GetValue<string>();
        var profile = await client.GetFromJsonAsync<JsonObject>($"/api/profiles/{profileId}");
        Assert.Equal(["anonymous_id:anon-e", "user_id:user-e"], HttpJson.Identifiers(profile!));
        var filled = await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/profiles/{profileId}"), p => p["traits"]?["plan"] is not null);
        Assert.Equal(profileId, filled["id"]!.GetValue<string>());
        Assert.Equal("pro", filled["traits"]!["plan"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task EarlyBinding_Batch_ReplyNamesEachMessagesProfile_AMergeAnswersTheSurvivor()
    {
        await using var app = new LocalApp(Early);
        using var client = app.CreateClient();
        var anonymous = (await PostAsync(client, "/api/v1/track", """{"anonymousId":"anon-m","event":"Viewed","timestamp":"2026-11-28T09:00:00Z"}"""))["profileId"]!.GetValue<string>();
        var user = (await PostAsync(client, "/api/v1/track", """{"userId":"user-m","event":"Viewed","timestamp":"2026-11-28T09:01:00Z"}"""))["profileId"]!.GetValue<string>();

        var reply = await PostAsync(client, "/api/v1/batch", """
            {"batch":[
              {"type":"identify","anonymousId":"anon-m","userId":"user-m","timestamp":"2026-11-28T09:02:00Z"},
              {"type":"track","anonymousId":"someone-else","event":"Viewed"}]}
            """);

        var ids = reply["profileIds"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
        Assert.Equal(anonymous, ids[0]);
        Assert.NotEqual(anonymous, ids[1]);
        Assert.NotEqual(anonymous, user);
        using var redirected = await client.GetAsync($"/api/profiles/{user}");
        var survivor = (await redirected.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((anonymous, user), (survivor["id"]!.GetValue<string>(), survivor["redirectedFrom"]!.GetValue<string>()));
        Assert.Equal($"/api/profiles/{anonymous}", redirected.Content.Headers.ContentLocation!.OriginalString);
        var ledger = await client.GetFromJsonAsync<JsonArray>($"/api/profiles/{user}/ledger");
        Assert.Contains(ledger!, e => e!["kind"]!.GetValue<string>() == "merge" && e["otherProfileId"]!.GetValue<string>() == user);
    }

    [Fact]
    public async Task LateBinding_ReplyDoesNotWait_HistoryIsFoundUnderTheSurvivorAfterIdentification()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        var first = await PostAsync(client, "/api/v1/track", """{"anonymousId":"anon-l","event":"Viewed","timestamp":"2026-11-28T09:00:00Z"}""");
        await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:anon-l"), _ => true);
        await PostAsync(client, "/api/v1/track", """{"userId":"user-l","event":"Bought","timestamp":"2026-11-28T09:01:00Z"}""");
        await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:user-l"), _ => true);
        await PostAsync(client, "/api/v1/identify", """{"anonymousId":"anon-l","userId":"user-l","timestamp":"2026-11-28T09:02:00Z"}""");

        Assert.Null(first["profileId"]);
        var survivor = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:user-l"), p => p["merged"]!.AsArray().Count == 1);
        var events = await Eventually.GetAsync(
            async () => await client.GetFromJsonAsync<JsonArray>($"/api/profiles/{survivor["id"]}/events"),
            e => e.Count == 3);
        Assert.Equal(["identify", "track", "track"], events.Select(e => e!["type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ProfileQuery_IdentifierIsNormalized_AnUnknownTypeIsA400NamingTheField()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        await PostAsync(client, "/api/v1/identify", """{"userId":"user-n","traits":{"email":" Ada@Example.com "}}""");

        var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=email:ADA@example.com"), _ => true);
        using var bad = await client.GetAsync("/api/profiles?identifier=shoe_size:42");

        Assert.Contains("email:ada@example.com", HttpJson.Identifiers(profile));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["identifier"]);
    }

    [Fact]
    public async Task PlaceholderIdentifiers_AreRefusedAtIntake_NamingTheMessage_AndKeptAsADeadLetter()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.PostAsync("/api/v1/batch", HttpJson.Body("""
            {"batch":[
              {"type":"track","userId":"null","anonymousId":"undefined","event":"Viewed"},
              {"type":"track","anonymousId":"anon-ok","event":"Viewed"}]}
            """));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["batch[0].userId"], problem["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(1, problem["accepted"]!.GetValue<int>());
        Assert.Single(problem["deadLetters"]!.AsArray());
    }
}
