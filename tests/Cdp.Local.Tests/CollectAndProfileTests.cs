using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary>End to end over HTTP: collect, the stream, ingest, the profile API; and a restart.</summary>
public class CollectAndProfileTests
{
    private static StringContent Json(string json) => HttpJson.Body(json);

    private static Task<JsonObject?> FindAsync(HttpClient client, string identifier) =>
        client.GetOrNullAsync($"/api/profiles?identifier={Uri.EscapeDataString(identifier)}");

    [Fact]
    public async Task TrackThenIdentify_OneProfileFoundByBothIdentifiers()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var track = await client.PostAsync("/api/v1/track", Json("""{"anonymousId":"anon-1","event":"Viewed Page"}"""));
        using var identify = await client.PostAsync("/api/v1/identify", Json("""{"anonymousId":"anon-1","userId":"user-1","traits":{"email":"ada@example.com"}}"""));

        Assert.Equal(HttpStatusCode.OK, track.StatusCode);
        Assert.Equal(HttpStatusCode.OK, identify.StatusCode);
        Assert.True((await track.Content.ReadFromJsonAsync<JsonObject>())!["success"]!.GetValue<bool>());
        var byUser = await Eventually.GetAsync(() => FindAsync(client, "user_id:user-1"), p => p["traits"]?["email"] is not null);
        var byAnonymous = await FindAsync(client, "anonymous_id:anon-1");
        Assert.Equal(byUser["id"]!.GetValue<string>(), byAnonymous!["id"]!.GetValue<string>());
        Assert.Equal("ada@example.com", byUser["traits"]!["email"]!["value"]!.GetValue<string>());
        Assert.Equal(["anonymous_id:anon-1", "email:ada@example.com", "user_id:user-1"], HttpJson.Identifiers(byUser));

        var byId = await client.GetFromJsonAsync<JsonObject>($"/api/profiles/{byUser["id"]}");
        Assert.Equal(byUser["id"]!.GetValue<string>(), byId!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Restart_ProfileIsStillThere()
    {
        string profileId;
        var dataDirectory = LocalApp.NewDataDirectory();
        await using (var first = new LocalApp(dataDirectory))
        {
            using var client = first.CreateClient();
            using var response = await client.PostAsync("/api/v1/identify", Json("""{"userId":"restart-user","traits":{"plan":"pro"}}"""));
            profileId = (await Eventually.GetAsync(() => FindAsync(client, "user_id:restart-user"), _ => true))["id"]!.GetValue<string>();
        }

        await using var second = new LocalApp(dataDirectory);
        using var again = second.CreateClient();
        var profile = await again.GetFromJsonAsync<JsonObject>($"/api/profiles/{profileId}");

        Assert.Equal("pro", profile!["traits"]!["plan"]!["value"]!.GetValue<string>());
        await second.DisposeAsync();
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task MalformedBody_400ProblemDetailsNamingTheField()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.PostAsync("/api/v1/track", Json("""{"anonymousId":"a1","event":42}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(400, problem!["status"]!.GetValue<int>());
        Assert.Equal(["event"], problem["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task InvalidJson_400ProblemDetailsNamingTheBody()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.PostAsync("/api/v1/identify", Json("""{"userId":"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.NotNull(problem!["errors"]!["body"]);
    }

    [Fact]
    public async Task OversizeMessage_413ProblemDetails()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var big = new string('x', 40 * 1024);

        using var response = await client.PostAsync("/api/v1/track", Json($$$"""{"anonymousId":"a1","event":"E","properties":{"blob":"{{{big}}}"}}"""));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnknownMessageType_404ProblemDetails()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.PostAsync("/api/v1/teleport", Json("""{"userId":"u"}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/profiles?identifier=shoe_size:42", HttpStatusCode.BadRequest)]
    [InlineData("/api/profiles?identifier=user_id:nobody", HttpStatusCode.NotFound)]
    [InlineData("/api/profiles/p_missing", HttpStatusCode.NotFound)]
    public async Task ProfileQueries_BadOrUnknown_ProblemDetails(string path, HttpStatusCode expected)
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Health_Ok()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        var health = await client.GetFromJsonAsync<JsonObject>("/api/health");

        Assert.Equal("healthy", health!["status"]!.GetValue<string>());
    }
}
