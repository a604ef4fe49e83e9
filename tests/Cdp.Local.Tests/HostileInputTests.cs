using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

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
}
