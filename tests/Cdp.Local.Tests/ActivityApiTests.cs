using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary><c>GET /api/activity</c> (issue 19's overview): what this host collected, applied, merged and dead-lettered, and ingest's lag on the embedded log.</summary>
public class ActivityApiTests
{
    [Fact]
    public async Task MessagesCollected_AreCountedCollectedThenApplied_WithTheMergeAndTheDeadLetter_AndTheLagDrainsToZero()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        await client.PostAsync("/api/v1/track", HttpJson.Body("""{"anonymousId":"act-a","event":"Viewed"}"""));
        await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:act-a"), _ => true);
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"act-u","traits":{"plan":"pro"}}"""));
        await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:act-u"), _ => true);
        await client.PostAsync("/api/v1/alias", HttpJson.Body("""{"userId":"act-u","previousId":"act-a"}"""));
        using (var refused = await client.PostAsync("/api/v1/track", HttpJson.Body("""{"anonymousId":"act-b"}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        var report = await Eventually.GetAsync(
            () => client.GetFromJsonAsync<JsonObject>("/api/activity?minutes=10"),
            // Ingest counts a batch applied before it checkpoints it: the lag drains a moment later.
            r => r["total"]!["applied"]!.GetValue<long>() == 3 && r["total"]!["merged"]!.GetValue<long>() == 1 && r["lag"]!["messages"]!.GetValue<long>() == 0);

        var total = report["total"]!;
        Assert.Equal((3L, 3L, 1L, 1L), (total["collected"]!.GetValue<long>(), total["applied"]!.GetValue<long>(), total["merged"]!.GetValue<long>(), total["deadLettered"]!.GetValue<long>()));
        Assert.Equal(10, report["minutes"]!.AsArray().Count);
        Assert.Equal(3, report["minutes"]!.AsArray().Sum(m => m!["collected"]!.GetValue<long>()));
        Assert.Equal(0, report["lag"]!["messages"]!.GetValue<long>());
        using var bad = await client.GetAsync("/api/activity?minutes=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["minutes"], (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task TheLag_CountsWhatIngestHasNotTaken_WhileIngestIsStopped()
    {
        await using var app = new LocalApp(new Dictionary<string, string> { [LocalHost.IngestVariable] = "off" });
        using var client = app.CreateClient();
        await client.PostAsync("/api/v1/batch", HttpJson.Body("""{"batch":[{"type":"track","anonymousId":"lag-1","event":"E"},{"type":"track","anonymousId":"lag-2","event":"E"}]}"""));

        var report = await client.GetFromJsonAsync<JsonObject>("/api/activity?minutes=1");

        Assert.Equal(2, report!["lag"]!["messages"]!.GetValue<long>());
        Assert.True(report["lag"]!["seconds"]!.GetValue<double>() >= 0);
        Assert.Equal((2L, 0L), (report["total"]!["collected"]!.GetValue<long>(), report["total"]!["applied"]!.GetValue<long>()));
    }
}
