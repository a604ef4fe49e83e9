using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Local.Tests;

/// <summary>Hostile values from a public write key (issue 16): each message is judged on its own; a bad one is a 400 naming it and a dead letter.</summary>
public class HostileInputTests
{
    public static TheoryData<string, string> BadMessages => new()
    {
        { """{"type":"track","anonymousId":"b","event":"E","event":"F"}""", "batch[1]" },
        { """{"type":"track","anonymousId":"b","event":"E","timestamp":"9999-12-31T00:00:00Z","sentAt":"0001-01-01T00:00:00Z"}""", "batch[1].timestamp" },
        { """{"type":"track","anonymousId":"b","event":"E","timestamp":"9999-12-31T00:00:00Z"}""", "batch[1].timestamp" },
        { """{"type":"track","anonymousId":"b","event":"E","timestamp":"0001-01-01T00:00:00Z"}""", "batch[1].timestamp" },
        { """{"type":"track","anonymousId":"b","event":"E","properties":{"x":"\ud800"}}""", "batch[1]" },
        { """{"type":"track","anonymousId":"b","event":"\udc00E"}""", "batch[1]" },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public async Task ABadMessageInABatch_400NamingIt_TheGoodOneApplied_ADeadLetterKept(string bad, string field)
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.PostAsync("/api/v1/batch", HttpJson.Body($$"""{"batch":[{"type":"track","anonymousId":"ok-1","event":"Good"},{{bad}}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal([field], problem["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(1, problem["accepted"]!.GetValue<int>());
        await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:ok-1"), p => p["counters"]?["events"]?["track:Good"] is not null);
        var letter = Assert.Single((await client.GetFromJsonAsync<JsonArray>("/api/deadletters"))!)!;
        Assert.Contains(field, letter["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(await client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:b"));
    }

    [Fact]
    public async Task BytesThatAreNotUtf8InOneMessage_400NamingIt_TheGoodOneApplied_ADeadLetterKept()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var body = System.Text.Encoding.UTF8.GetBytes("""{"batch":[{"type":"track","anonymousId":"ok-1","event":"Good"},{"type":"track","anonymousId":"b","event":"E#"}]}""");
        body[Array.LastIndexOf(body, (byte)'#')] = 0xff;
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        using var response = await client.PostAsync("/api/v1/batch", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["batch[1]"], problem["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(1, problem["accepted"]!.GetValue<int>());
        await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:ok-1"), p => p["counters"]?["events"]?["track:Good"] is not null);
        var letter = Assert.Single((await client.GetFromJsonAsync<JsonArray>("/api/deadletters"))!)!;
        Assert.Contains("UTF-8", letter["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(await client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:b"));
    }

    /// <summary>The dead-letter store failing as a bug would.</summary>
    private sealed class BrokenDeadLetters : Cdp.Core.DeadLetters.IDeadLetterStore
    {
        public Task AddAsync(Cdp.Core.DeadLetters.DeadLetter letter, CancellationToken cancellationToken) => throw new InvalidOperationException("broken");

        public Task<Cdp.Core.DeadLetters.DeadLetter?> GetAsync(string id, CancellationToken cancellationToken) => throw new InvalidOperationException("broken");

        public Task<Cdp.Core.DeadLetters.DeadLetterPage> ListAsync(Cdp.Core.DeadLetters.DeadLetterQuery query, CancellationToken cancellationToken) => throw new InvalidOperationException("broken");

        public Task RemoveAsync(string id, CancellationToken cancellationToken) => throw new InvalidOperationException("broken");
    }

    [Fact]
    public async Task AFailureNoEndpointHandles_IsA500WithAProblemDetailsBody()
    {
        await using var app = new LocalApp { ConfigureServices = services => services.AddSingleton<Cdp.Core.DeadLetters.IDeadLetterStore, BrokenDeadLetters>() };
        using var client = app.CreateClient();

        using var response = await client.GetAsync("/api/deadletters");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(500, problem["status"]!.GetValue<int>());
        Assert.DoesNotContain("broken", problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"writeKey":"test-write-key","batch":[{"type":"track","anonymousId":"ok","event":"E"},{"type":"track","anonymousId":"b","writeKey":"test-write-key","properties":{"k":"test-write-key"}}]}""")]
    [InlineData("""{"batch":[{"type":"track","anonymousId":"b","writeKey":"test-write-key" """)]
    public async Task TheWriteKey_IsNeverStoredInADeadLetter_WhereverItSits(string body)
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.PostAsync("/api/v1/batch", HttpJson.Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var letter = Assert.Single((await client.GetFromJsonAsync<JsonArray>("/api/deadletters"))!)!;
        Assert.DoesNotContain(LocalApp.WriteKey, letter["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("[write key]", letter["body"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/audit?to=0001-01-01T00:00:00Z", "to")]
    [InlineData("/api/deadletters?limit=abc", "limit")]
    [InlineData("/api/deadletters?limit=0", "limit")]
    public async Task AdminQueriesWithValuesAtTheEdges_400NamingTheField(string path, string field)
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal([field], problem["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task TheDatabaseFiles_AreReadableByTheirOwnerOnly()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        using var response = await client.PostAsync("/api/v1/track", HttpJson.Body("""{"anonymousId":"perm-1","event":"E"}"""));
        await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=anonymous_id:perm-1"), _ => true);

        var files = Directory.GetFiles(app.DataDirectory, "cdp.db*");
        Assert.Contains(files, f => f.EndsWith("cdp.db", StringComparison.Ordinal));
        Assert.True(OperatingSystem.IsLinux(), "File modes are checked on Linux, where CI runs.");
        foreach (var file in files)
        {
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }
    }
}
