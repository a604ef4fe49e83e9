using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary>Dead letters at volume (issue 16): paged and filtered lists, replay a page at a time, delete one or a page.</summary>
public class DeadLetterApiTests
{
    /// <summary>Three messages without an event name: three collect-stage letters.</summary>
    private static async Task<List<string>> ThreeLettersAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/api/v1/batch", HttpJson.Body("""
            {"batch":[{"type":"track","anonymousId":"x1"},{"type":"track","anonymousId":"x2"},{"type":"track","anonymousId":"x3"}]}
            """));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return [.. (await client.GetFromJsonAsync<JsonArray>("/api/deadletters"))!.Select(l => l!["id"]!.GetValue<string>())];
    }

    [Fact]
    public async Task List_APageAtATime_TheLinkHeaderNamesTheNext_UntilTheLast()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var all = await ThreeLettersAsync(client);

        var seen = new List<string>();
        var url = "/api/deadletters?limit=2&stage=collect";
        for (var pages = 0; url is not null; pages++)
        {
            Assert.True(pages < 3);
            using var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            seen.AddRange((await response.Content.ReadFromJsonAsync<JsonArray>())!.Select(l => l!["id"]!.GetValue<string>()));
            url = response.Headers.TryGetValues("Link", out var links) ? links.Single().Split('>')[0].TrimStart('<') : null;
        }

        Assert.Equal(all, seen);
        Assert.Empty((await client.GetFromJsonAsync<JsonArray>("/api/deadletters?stage=ingest"))!);
        using var bad = await client.GetAsync("/api/deadletters?stage=other");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Delete_OneIs204ThenGone_AMissingOneIs404_APageGoesAtOnce()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var all = await ThreeLettersAsync(client);

        using (var deleted = await client.DeleteAsync($"/api/deadletters/{all[0]}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var again = await client.DeleteAsync($"/api/deadletters/{all[0]}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        using var page = await client.DeleteAsync("/api/deadletters?limit=1");
        var reply = (await page.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, reply["deleted"]!.GetValue<int>());
        Assert.Equal(all[1], reply["next"]!.GetValue<string>());
        Assert.Equal([all[2]], (await client.GetFromJsonAsync<JsonArray>("/api/deadletters"))!.Select(l => l!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ReplayAPage_LettersThatFailAgainStay_TheNextCallMovesPastThem()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var all = await ThreeLettersAsync(client);

        using var first = await client.PostAsync("/api/deadletters/replay?limit=2", null);
        var reply = (await first.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(2, reply["failed"]!.AsObject().Count);
        Assert.Equal(all[1], reply["next"]!.GetValue<string>());

        using var second = await client.PostAsync($"/api/deadletters/replay?limit=2&after={all[1]}", null);
        var rest = (await second.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal([all[2]], rest["failed"]!.AsObject().Select(f => f.Key));
        Assert.Null(rest["next"]);
        Assert.Equal(3, (await client.GetFromJsonAsync<JsonArray>("/api/deadletters"))!.Count);
    }
}
