using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary>
/// Issue 20: a journey action from a plugin assembly named only in configuration (<c>Cdp:Plugins</c>) — the example
/// project <c>plugins/Cdp.Plugins.Example</c>, which references Cdp.Core's contract and nothing else — shows in the step
/// palette, checks its settings when a journey is saved, describes itself in a dry run, and runs once per step.
/// </summary>
public class PluginTests
{
    private static Dictionary<string, string> WithPlugin(string folder) => new()
    {
        ["Cdp:Plugins:0"] = "Cdp.Plugins.Example.dll",
        ["Cdp:Plugins:Example:Folder"] = folder,
    };

    [Fact]
    public async Task APluginAction_NamedInConfiguration_IsInThePalette_Validated_DryRun_AndRunOnce()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cdp-notes-" + Guid.NewGuid().ToString("N"));
        await using var app = new LocalApp(WithPlugin(folder));
        using var client = app.CreateClient();

        var palette = (await client.GetFromJsonAsync<JsonArray>("/api/journey-steps"))!;
        var note = palette.Single(t => t!["action"]?.GetValue<string>() == "note")!;
        Assert.Equal(["file", "text", "retries", "retryInterval"], note["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Equal("exit", palette[^1]!["type"]!.GetValue<string>());

        using (var bad = await client.PutAsync("/api/journeys/noted", HttpJson.Body("""{"name":"Noted","trigger":{"event":"Signed Up"},"steps":[{"type":"action","action":"note","file":"../etc/passwd"}]}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal(["steps[0].file", "steps[0].text"], (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));
        }

        using (var saved = await client.PutAsync("/api/journeys/noted", HttpJson.Body("""{"name":"Noted","trigger":{"event":"Signed Up"},"steps":[{"type":"action","action":"note","file":"welcome.ndjson","text":"Hello {{traits.name}}"}]}""")))
        {
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        }

        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"note-1","traits":{"name":"Ada"}}"""));
        var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:note-1"), p => p["traits"]?["name"] is not null);
        using (var dry = await client.PostAsync("/api/journeys/dryrun", HttpJson.Body($$"""{"profileId":"{{profile["id"]}}","journeyId":"noted"}""")))
        {
            var reply = (await dry.Content.ReadFromJsonAsync<JsonObject>())!;
            var path = reply["path"]?.AsArray() ?? throw new InvalidOperationException(reply.ToJsonString());
            Assert.Equal("note in welcome.ndjson: Hello Ada", Assert.Single(path)!["detail"]!.GetValue<string>());
        }

        Assert.False(File.Exists(Path.Combine(folder, "welcome.ndjson"))); // a dry run writes nothing
        await client.PostAsync("/api/v1/track", HttpJson.Body("""{"userId":"note-1","event":"Signed Up"}"""));
        await Eventually.GetAsync(
            () => client.GetFromJsonAsync<JsonObject>("/api/journeys/noted/instances?status=completed"),
            page => page["instances"]!.AsArray().Count == 1);

        var line = JsonNode.Parse(Assert.Single(await File.ReadAllLinesAsync(Path.Combine(folder, "welcome.ndjson"))))!;
        Assert.Equal(("Hello Ada", "noted", profile["id"]!.GetValue<string>()), (line["text"]!.GetValue<string>(), line["journeyId"]!.GetValue<string>(), line["profileId"]!.GetValue<string>()));
        Assert.EndsWith("/steps[0]", line["key"]!.GetValue<string>(), StringComparison.Ordinal);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task WithoutThePluginConfigured_ItsActionIsUnknown()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var refused = await client.PutAsync("/api/journeys/noted", HttpJson.Body("""{"name":"Noted","trigger":{"event":"E"},"steps":[{"type":"action","action":"note","file":"a","text":"b"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Unknown action 'note'", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["steps[0].action"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain((await client.GetFromJsonAsync<JsonArray>("/api/journey-steps"))!, t => t!["action"]?.GetValue<string>() == "note");
    }

    /// <summary>The example plugin needs nothing of the host but Cdp.Core's contract: no journey interpreter, HTTP layer or store.</summary>
    [Fact]
    public void TheExamplePlugin_ReferencesOnlyCdpCore_AndTheFramework()
    {
        var references = typeof(Cdp.Plugins.Example.NoteAction).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Cdp.Core", references);
        Assert.All(references, name => Assert.True(
            name == "Cdp.Core" || name.StartsWith("System", StringComparison.Ordinal) || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal),
            $"The example plugin references {name}."));
    }
}
