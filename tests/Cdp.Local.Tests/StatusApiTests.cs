using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary><c>GET /api/status</c> (issue 21): every consumer's lag and last success or error, and the dead letters waiting by stage.</summary>
public class StatusApiTests
{
    private static JsonNode Consumer(JsonObject status, string name) =>
        status["consumers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;

    [Fact]
    public async Task WhileIngestIsStopped_ItsLagCountsWhatWaits_AndARefusedMessageIsADeadLetterWaiting()
    {
        await using var app = new LocalApp(new Dictionary<string, string> { [LocalHost.IngestVariable] = "off" });
        using var client = app.CreateClient();
        await client.PostAsync("/api/v1/batch", HttpJson.Body("""{"batch":[{"type":"track","anonymousId":"st-1","event":"E"},{"type":"track","anonymousId":"st-2","event":"E"},{"type":"track","anonymousId":"st-3"}]}"""));

        var status = (await client.GetFromJsonAsync<JsonObject>("/api/status"))!;

        var ingest = Consumer(status, "ingest");
        Assert.Equal("events", ingest["reads"]!.GetValue<string>());
        Assert.Equal(2, ingest["behind"]!.GetValue<long>());
        Assert.True(ingest["secondsBehind"]!.GetValue<double>() >= 0);
        Assert.Null(ingest["lastSuccessAt"]);
        // Per partition of the embedded log (4 by default): the two messages wait where their anonymous ids put them.
        var partitions = ingest["partitions"]!.AsArray();
        Assert.Equal(["0", "1", "2", "3"], partitions.Select(p => p!["partition"]!.GetValue<string>()));
        Assert.Equal(2, partitions.Sum(p => p!["behind"]!.GetValue<long>()));
        Assert.All(partitions.Where(p => p!["behind"]!.GetValue<long>() == 0), p => Assert.Equal(0, p!["secondsBehind"]!.GetValue<double>()));
        Assert.Equal(1, status["deadLetters"]!["collect"]!.GetValue<long>());
        Assert.False(status["deadLettersCapped"]!.GetValue<bool>());
        Assert.Equal(["ingest", "profile-changes", "segments"], status["consumers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task OnceIngestHasRun_ItIsNotBehind_AndItsLastSuccessIsShown_AsAreTheChangeFeedAndADestination()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        using var put = await client.PutAsync("/api/destinations/hook", HttpJson.Body("""{"name":"Hook","type":"webhook","settings":{"url":"http://127.0.0.1:9/hook"},"secrets":{"signingKey":"0123456789abcdef0123"},"events":{}}"""));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"st-u","traits":{"plan":"pro"}}"""));
        await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:st-u"), _ => true);

        var status = await Eventually.GetAsync(
            () => client.GetFromJsonAsync<JsonObject>("/api/status"),
            s => Consumer(s!, "ingest")["behind"]!.GetValue<long>() == 0 && Consumer(s!, "profile-changes")["behind"]!.GetValue<long>() == 0
                && s!["consumers"]!.AsArray().Any(c => c!["name"]!.GetValue<string>() == "destination:hook"));

        Assert.NotNull(Consumer(status!, "ingest")["lastSuccessAt"]);
        Assert.Equal(0, Consumer(status!, "ingest")["secondsBehind"]!.GetValue<double>());
        Assert.NotNull(Consumer(status!, "profile-changes")["lastSuccessAt"]);
        Assert.Equal("events", Consumer(status!, "destination:hook")["reads"]!.GetValue<string>());
    }
}
