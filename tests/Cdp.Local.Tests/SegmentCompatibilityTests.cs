using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary>
/// Requests shaped as Segment's and RudderStack's libraries send them (a client's host pointed at
/// <c>http://host/api</c>): <c>POST {host}/v1/batch</c> with HTTP Basic auth (write key, empty password), a
/// JSON body of <c>batch</c> and <c>sentAt</c>, gzip when enabled; single calls to <c>/v1/{type}</c>.
/// </summary>
/// <remarks>
/// As from a browser library, every message of the batch carries the device's anonymous id, so they share
/// one stream partition and are applied in order (see docs/decisions.md on the partition key).
/// </remarks>
public class SegmentCompatibilityTests
{
    private static ByteArrayContent Gzip(string json)
    {
        using var buffer = new MemoryStream();
        using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(Encoding.UTF8.GetBytes(json));
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }

    private static string LibraryBatch(string prefix) => $$$"""
        {"batch":[
          {"type":"identify","messageId":"{{{prefix}}}-1","userId":"{{{prefix}}}-user","anonymousId":"{{{prefix}}}-anon","traits":{"email":"{{{prefix}}}@example.com","plan":"pro"},"context":{"library":{"name":"analytics-python","version":"2.3.3"}},"integrations":{},"timestamp":"2026-11-28T09:00:00+00:00"},
          {"type":"track","messageId":"{{{prefix}}}-2","userId":"{{{prefix}}}-user","anonymousId":"{{{prefix}}}-anon","event":"Order Completed","properties":{"total":42.5},"context":{"traits":{"lastOrder":"o-1"}},"timestamp":"2026-11-28T09:01:00+00:00"},
          {"type":"page","messageId":"{{{prefix}}}-3","userId":"{{{prefix}}}-user","anonymousId":"{{{prefix}}}-anon","name":"Pricing","category":null,"properties":{"url":"https://example.com/pricing"}},
          {"type":"screen","messageId":"{{{prefix}}}-4","userId":"{{{prefix}}}-user","anonymousId":"{{{prefix}}}-anon","name":"Settings"},
          {"type":"group","messageId":"{{{prefix}}}-5","userId":"{{{prefix}}}-user","anonymousId":"{{{prefix}}}-anon","groupId":"acme","traits":{"name":"Acme Inc"}},
          {"type":"alias","messageId":"{{{prefix}}}-6","userId":"{{{prefix}}}-user","anonymousId":"{{{prefix}}}-anon","previousId":"{{{prefix}}}-old-id"}],
         "sentAt":"2026-11-28T09:02:00+00:00"}
        """;

    private static async Task<JsonObject> ProfileOfAsync(HttpClient client, string identifier, Func<JsonObject, bool> done) =>
        await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/profiles?identifier={identifier}"), done);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LibraryBatch_EveryMessageType_GzipOrPlain_BecomesProfileData(bool gzip)
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var prefix = gzip ? "gz" : "plain";
        var json = LibraryBatch(prefix);

        using var response = await client.PostAsync("/api/v1/batch", gzip ? Gzip(json) : HttpJson.Body(json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonObject>())!["success"]!.GetValue<bool>());
        var profile = await ProfileOfAsync(client, $"user_id:{prefix}-user", p => p["identifiers"]!.AsArray().Count == 4 && p["traits"]?["lastOrder"] is not null);
        Assert.Equal(
            new[] { $"anonymous_id:{prefix}-anon", $"anonymous_id:{prefix}-old-id", $"email:{prefix}@example.com", $"user_id:{prefix}-user" },
            HttpJson.Identifiers(profile));
        Assert.Equal($"{prefix}@example.com", profile["traits"]!["email"]!["value"]!.GetValue<string>());
        Assert.Equal("o-1", profile["traits"]!["lastOrder"]!["value"]!.GetValue<string>());
        Assert.Null(profile["traits"]!["name"]);
    }

    [Fact]
    public async Task SingleCalls_WriteKeyInBody_NoAuthHeader_AreAccepted()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = null;

        foreach (var (type, body) in new[]
        {
            ("identify", """{"userId":"body-user","traits":{"plan":"free"}}"""),
            ("track", """{"userId":"body-user","event":"Viewed","context":{"traits":{"seen":true}}}"""),
            ("page", """{"userId":"body-user","name":"Home"}"""),
            ("screen", """{"userId":"body-user","name":"Main"}"""),
            ("group", """{"userId":"body-user","groupId":"g1"}"""),
            ("alias", """{"userId":"body-user","previousId":"body-anon"}"""),
        })
        {
            var withKey = JsonNode.Parse(body)!.AsObject();
            withKey["writeKey"] = LocalApp.WriteKey;
            using var response = await client.PostAsync($"/api/v1/{type}", HttpJson.Body(withKey.ToJsonString()));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{type}: {(int)response.StatusCode}");
        }

        var profile = await ProfileOfAsync(client, "user_id:body-user", p => p["traits"]?["seen"] is not null && p["identifiers"]!.AsArray().Count == 2);
        Assert.Equal("free", profile["traits"]!["plan"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task WrongWriteKey_401_NoKey_401()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        client.DefaultRequestHeaders.Authorization = LocalApp.BasicAuth("wrong");
        using var wrong = await client.PostAsync("/api/v1/track", HttpJson.Body("""{"userId":"u","event":"E"}"""));
        client.DefaultRequestHeaders.Authorization = null;
        using var none = await client.PostAsync("/api/v1/track", HttpJson.Body("""{"userId":"u","event":"E"}"""));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (wrong.StatusCode, none.StatusCode));
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OverTheSourceLimit_429WithRetryAfter()
    {
        await using var app = new LocalApp(new Dictionary<string, string> { ["Cdp:Sources:0:Burst"] = "1", ["Cdp:Sources:0:RequestsPerSecond"] = "1" });
        using var client = app.CreateClient();

        // Burst 1 and 1 per second: of 5 quick requests, at most 2 fit (one more token may arrive meanwhile).
        var replies = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
        {
            replies.Add(await client.PostAsync("/api/v1/track", HttpJson.Body("""{"userId":"u","event":"E"}""")));
        }

        Assert.Equal(HttpStatusCode.OK, replies[0].StatusCode);
        var limited = replies.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 3, 4);
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        replies.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task BatchOver500Kb_413()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var message = $$$"""{"type":"track","userId":"u","event":"E","properties":{"p":"{{{new string('x', 30_000)}}}"}}""";
        var body = $$$"""{"batch":[{{{string.Join(",", Enumerable.Repeat(message, 20))}}}]}""";

        using var response = await client.PostAsync("/api/v1/batch", HttpJson.Body(body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task MixedBatch_400ListsEachBadMessage_DeadLettersKeepThem_ReplayAfterFixWorks()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var body = """
            {"batch":[
              {"type":"identify","userId":"mixed-user","traits":{"plan":"pro"}},
              {"type":"track","userId":"mixed-user"},
              {"type":"alias","userId":"mixed-user"}]}
            """;

        using var response = await client.PostAsync("/api/v1/batch", HttpJson.Body(body));
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var letters = (await client.GetFromJsonAsync<JsonArray>("/api/deadletters"))!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["batch[1].event", "batch[2].previousId"], problem["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(1, problem["accepted"]!.GetValue<int>());
        Assert.Equal(2, letters.Count);
        await ProfileOfAsync(client, "user_id:mixed-user", p => p["traits"]?["plan"] is not null);

        var trackLetter = letters.Single(l => l!["reason"]!.GetValue<string>().Contains("event", StringComparison.Ordinal))!;
        var letterId = trackLetter["id"]!.GetValue<string>();
        using var stillBad = await client.PostAsync($"/api/deadletters/{letterId}/replay", null);
        var fixedMessage = JsonNode.Parse(trackLetter["body"]!.GetValue<string>())!.AsObject();
        fixedMessage["event"] = "Upgraded";
        fixedMessage["context"] = new JsonObject { ["traits"] = new JsonObject { ["upgraded"] = true } };
        using var replayed = await client.PostAsync($"/api/deadletters/{letterId}/replay", HttpJson.Body(fixedMessage.ToJsonString()));

        Assert.Equal(HttpStatusCode.BadRequest, stillBad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        await ProfileOfAsync(client, "user_id:mixed-user", p => p["traits"]?["upgraded"] is not null);
        var remaining = (await client.GetFromJsonAsync<JsonArray>("/api/deadletters"))!;
        Assert.DoesNotContain(remaining, l => l!["id"]!.GetValue<string>() == letterId);
        Assert.Single(remaining);
    }

    [Fact]
    public async Task Tracardi_TrackThenReturnWithTheToken_SameVisitor()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = null;

        using var first = await client.PostAsync("/api/track", HttpJson.Body($$$"""{"source":{"id":"{{{LocalApp.WriteKey}}}"},"session":{"id":"sess-1"},"events":[{"type":"page-view","context":{"traits":{"visits":1} } }]}"""));
        var token = (await first.Content.ReadFromJsonAsync<JsonObject>())!["profile"]!["id"]!.GetValue<string>();
        using var second = await client.PostAsync("/api/track", HttpJson.Body($$$"""{"source":{"id":"{{{LocalApp.WriteKey}}}"},"session":{"id":"sess-2"},"profile":{"id":"{{{token}}}"},"events":[{"type":"page-view","context":{"traits":{"visits":2} } }]}"""));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(token, (await second.Content.ReadFromJsonAsync<JsonObject>())!["profile"]!["id"]!.GetValue<string>());
        var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:sess-1"), p => p["traits"]?["visits"]?["value"]?.GetValue<int>() == 2);
        Assert.Equal(["anonymous_id:sess-1"], profile["identifiers"]!.AsArray().Select(i => $"{i!["type"]}:{i["value"]}"));
        Assert.Equal(2, profile["counters"]!["events"]!["track"]!["count"]!.GetValue<int>());
    }
}
