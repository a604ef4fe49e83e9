using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cdp.Http;
using Cdp.Testing;
using Json.Schema;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Local.Tests;

/// <summary>
/// The OpenAPI description: served by Cdp.Local, generated from the endpoints it maps, covering every route of
/// <see cref="CdpRoutes"/> with who may call it, and checked in (docs/openapi/) exactly as the code generates it.
/// Set <c>CDP_WRITE_OPENAPI=1</c> to rewrite the checked-in files from the code (then review the diff).
/// </summary>
public partial class ApiDocumentTests
{
    private static readonly (string Name, string File)[] CheckedIn =
    [
        (ApiDocument.Local, "docs/openapi/cdp-local.json"),
        (ApiDocument.FunctionApp, "docs/openapi/function-app.json"),
    ];

    private static async Task<JsonObject> ServedAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static IEnumerable<(string Method, JsonObject Operation)> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().Select(op => ($"{op.Key.ToUpperInvariant()} {path.Key}", op.Value!.AsObject())));

    [Fact]
    public async Task TheServedDocument_IsOpenApi31_AndDescribesExactlyTheRoutesTheHostMaps()
    {
        await using var app = new LocalApp();
        using var anonymous = app.CreateAnonymousClient();

        var document = await ServedAsync(anonymous, ApiDocument.DocumentPath);

        Assert.StartsWith("3.1", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        var mapped = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.OfType<ApiAccess>().Any())
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText}"));
        Assert.Equal(mapped.Order(StringComparer.Ordinal), Operations(document).Select(o => o.Method).Order(StringComparer.Ordinal));
        // Every route CdpRoutes declares is in it (the host maps each one: AccessTests).
        var declared = typeof(CdpRoutes).GetFields().Where(f => f.IsLiteral && f.Name != nameof(CdpRoutes.Prefix)).Select(f => $"/{CdpRoutes.Prefix}/{f.GetRawConstantValue()}");
        Assert.All(declared, route => Assert.True(document["paths"]![route] is not null, $"{route} is not in the document."));
        Assert.Equal(await ServedAsync(anonymous, ApiDocument.DocumentsPattern.Replace("{documentName}", ApiDocument.Local, StringComparison.Ordinal)), document, JsonNode.DeepEquals);
    }

    [Fact]
    public async Task EveryOperation_IsNamed_SaysWhoMayCallIt_AndDescribesItsRepliesAndErrors()
    {
        await using var app = new LocalApp();
        using var anonymous = app.CreateAnonymousClient();
        var document = await ServedAsync(anonymous, ApiDocument.DocumentPath);
        var functionApp = await ServedAsync(anonymous, ApiDocument.DocumentsPattern.Replace("{documentName}", ApiDocument.FunctionApp, StringComparison.Ordinal));

        var ids = new HashSet<string>();
        foreach (var (method, operation) in Operations(document))
        {
            Assert.True(ids.Add(operation["operationId"]!.GetValue<string>()), $"{method}: operationId repeated");
            Assert.False(string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()), $"{method}: no summary");
            var responses = operation["responses"]!.AsObject();
            Assert.Contains(responses, r => r.Key.StartsWith('2'));
            // Every error is problem details (RFC 9457).
            Assert.All(responses.Where(r => r.Key[0] is '4' or '5'), r => Assert.NotNull(r.Value!["content"]!["application/problem+json"]));
            var schemes = operation["security"]?.AsArray().SelectMany(requirement => requirement!.AsObject().Select(s => s.Key)).ToHashSet() ?? [];
            if (method.Contains("/api/v1/", StringComparison.Ordinal) || method.EndsWith("/api/track", StringComparison.Ordinal))
            {
                Assert.Equal(["writeKey"], schemes);
            }
            else if (method.EndsWith("/api/health", StringComparison.Ordinal))
            {
                Assert.Empty(schemes);
            }
            else
            {
                Assert.Equal(["adminToken"], schemes);
                Assert.NotNull(responses["401"]);
                var inTheCloud = Operations(functionApp).Single(o => o.Method == method).Operation["security"]!.AsArray()
                    .SelectMany(requirement => requirement!.AsObject().Select(s => s.Key)).ToHashSet();
                Assert.Equal(["entraId", "functionKey"], inTheCloud.Order(StringComparer.Ordinal));
            }
        }

        // The bodies handlers read themselves are described, not left empty.
        Assert.NotNull(document["paths"]!["/api/v1/{type}"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["oneOf"]);
        Assert.Equal("#/components/schemas/SegmentRequest", document["paths"]!["/api/segments/{id}"]!["put"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.Contains(document["paths"]!["/api/audit"]!["get"]!["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "profileId");
        Assert.Equal(["basic", "bearer"], document["components"]!["securitySchemes"]!.AsObject().Select(s => s.Value!["scheme"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// A walk through every operation with real data: each reply's status is one the document lists for the operation,
    /// and its body is valid against the schema the document gives for that status (JSON Schema 2020-12, OpenAPI 3.1's
    /// dialect), errors included. A handler that answers something its description does not say fails here.
    /// </summary>
    [Fact]
    public async Task EveryReply_OfAWalkThroughTheApi_MatchesTheDocument()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var document = await ServedAsync(app.CreateAnonymousClient(), ApiDocument.DocumentPath);
        var walked = new HashSet<string>();

        async Task<JsonNode?> CallAsync(string method, string template, string? path = null, string? body = null, int? expect = null)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path ?? template) { Content = body is null ? null : HttpJson.Body(body) };
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(expect is null || expect == (int)response.StatusCode, $"{method} {path ?? template}: {(int)response.StatusCode} {text}");
            AssertConforms(document, $"{method} {template}", (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
            walked.Add($"{method} {template}");
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }

        await CallAsync("GET", "/api/health", expect: 200);
        var sources = (await CallAsync("GET", "/api/sources", expect: 200))!.AsArray();
        Assert.Equal("test", Assert.Single(sources)!["id"]!.GetValue<string>());
        Assert.DoesNotContain("WriteKey", sources.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        await CallAsync("PUT", "/api/sources/{id}", "/api/sources/shop", """{"name":"Shop"}""", expect: 201);
        await CallAsync("PUT", "/api/sources/{id}", "/api/sources/shop", """{"name":"Shop","binding":"early"}""", expect: 200);
        await CallAsync("PUT", "/api/sources/{id}", "/api/sources/shop", """{"name":""}""", expect: 400);
        await CallAsync("PUT", "/api/sources/{id}", "/api/sources/test", """{"name":"Mine"}""", expect: 409);
        await CallAsync("GET", "/api/sources/{id}", "/api/sources/shop", expect: 200);
        await CallAsync("GET", "/api/sources/{id}", "/api/sources/none", expect: 404);
        await CallAsync("POST", "/api/sources/{id}/key", "/api/sources/shop/key", expect: 200);
        await CallAsync("POST", "/api/sources/{id}/key", "/api/sources/none/key", expect: 404);
        await CallAsync("DELETE", "/api/sources/{id}", "/api/sources/shop", expect: 204);
        await CallAsync("DELETE", "/api/sources/{id}", "/api/sources/test", expect: 409);
        const string Hook = """{"name":"Hook","type":"webhook","settings":{"url":"http://127.0.0.1:9/"},"secrets":{"signingKey":"a-signing-key-of-32-characters!!"},"events":{"types":["track"]}}""";
        await CallAsync("PUT", "/api/destinations/{id}", "/api/destinations/hook", Hook, expect: 201);
        await CallAsync("PUT", "/api/destinations/{id}", "/api/destinations/hook", Hook, expect: 200);
        await CallAsync("PUT", "/api/destinations/{id}", "/api/destinations/hook", """{"name":"","type":"nope"}""", expect: 400);
        await CallAsync("GET", "/api/destinations", expect: 200);
        await CallAsync("GET", "/api/destinations/{id}", "/api/destinations/hook", expect: 200);
        await CallAsync("GET", "/api/destinations/{id}", "/api/destinations/none", expect: 404);
        await CallAsync("GET", "/api/destinations/{id}/status", "/api/destinations/hook/status", expect: 200);
        await CallAsync("GET", "/api/destinations/{id}/status", "/api/destinations/none/status", expect: 404);
        await CallAsync("DELETE", "/api/destinations/{id}", "/api/destinations/hook", expect: 204);
        await CallAsync("DELETE", "/api/destinations/{id}", "/api/destinations/hook", expect: 404);
        await CallAsync("PUT", "/api/segments/{id}", "/api/segments/pro", """{"name":"Pro","rule":"text(\"plan\") == \"pro\""}""", expect: 201);
        await CallAsync("PUT", "/api/segments/{id}", "/api/segments/pro", """{"name":"Pro users","rule":"text(\"plan\") == \"pro\""}""", expect: 200);
        await CallAsync("PUT", "/api/segments/{id}", "/api/segments/bad", """{"name":"Bad","rule":"text(("}""", expect: 400);
        await CallAsync("PUT", "/api/journeys/{id}", "/api/journeys/care", """{"name":"Care","trigger":{"segmentEntered":"pro"},"steps":[{"type":"wait","duration":"PT1H"}]}""", expect: 201);
        await CallAsync("PUT", "/api/journeys/{id}", "/api/journeys/care", """{"name":"Care","trigger":{"segmentEntered":"pro"},"steps":[{"type":"wait"}]}""", expect: 400);
        await CallAsync("POST", "/api/v1/{type}", "/api/v1/identify", """{"userId":"w-user","anonymousId":"w-anon","traits":{"email":"walk@example.com","plan":"pro"}}""", expect: 200);
        await CallAsync("POST", "/api/v1/{type}", "/api/v1/batch", """{"batch":[{"type":"track","userId":"w-user","event":"Viewed"},{"type":"track","userId":"w-user"}]}""", expect: 400);
        await CallAsync("POST", "/api/v1/{type}", "/api/v1/nothing", "{}", expect: 404);
        await CallAsync("POST", "/api/track", body: $$$"""{"source":{"id":"{{{LocalApp.WriteKey}}}"},"session":{"id":"s-1"},"events":[{"type":"page-view","properties":{"url":"/"}}]}""", expect: 200);

        var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:w-user"), p => p["segments"]?["pro"] is not null);
        var id = profile["id"]!.GetValue<string>();
        var instances = await Eventually.GetAsync(() => client.GetFromJsonAsync<JsonArray>($"/api/profiles/{id}/journeys"), list => list.Count > 0);
        var instance = Uri.EscapeDataString(instances[0]!["instanceId"]!.GetValue<string>());
        await CallAsync("GET", "/api/profiles", "/api/profiles?identifier=user_id:w-user", expect: 200);
        await CallAsync("GET", "/api/profiles", "/api/profiles?identifier=nonsense", expect: 400);
        await CallAsync("GET", "/api/profiles/{id}", $"/api/profiles/{id}", expect: 200);
        await CallAsync("GET", "/api/profiles/{id}", "/api/profiles/nobody", expect: 404);
        await CallAsync("GET", "/api/profiles/{id}/ledger", $"/api/profiles/{id}/ledger", expect: 200);
        await CallAsync("GET", "/api/profiles/{id}/events", $"/api/profiles/{id}/events?limit=5", expect: 200);
        await CallAsync("GET", "/api/profiles/{id}/events", $"/api/profiles/{id}/events?limit=0", expect: 400);
        await CallAsync("GET", "/api/profiles/{id}/export", $"/api/profiles/{id}/export", expect: 200);
        await CallAsync("GET", "/api/profiles/{id}/journeys", $"/api/profiles/{id}/journeys", expect: 200);
        await CallAsync("PUT", "/api/profiles/{id}/consents/{purpose}", $"/api/profiles/{id}/consents/marketing_email", """{"granted":true}""", expect: 200);
        await CallAsync("PUT", "/api/profiles/{id}/consents/{purpose}", $"/api/profiles/{id}/consents/marketing_email", """{"granted":"perhaps"}""", expect: 400);
        await CallAsync("GET", "/api/segments", expect: 200);
        await CallAsync("GET", "/api/segments/{id}", "/api/segments/pro", expect: 200);
        await CallAsync("GET", "/api/segments/{id}/transitions", "/api/segments/pro/transitions", expect: 200);
        await CallAsync("POST", "/api/segments/preview", body: """{"rule":"text(\"plan\") == \"pro\"","segmentId":"pro"}""", expect: 200);
        await CallAsync("POST", "/api/segments/preview", body: """{"rule":"text((\"plan\""}""", expect: 200);
        await CallAsync("POST", "/api/segments/preview", body: "{}", expect: 400);
        await CallAsync("GET", "/api/journeys", expect: 200);
        await CallAsync("GET", "/api/journeys/{id}", "/api/journeys/care", expect: 200);
        await CallAsync("GET", "/api/journeys/{id}/instances", "/api/journeys/care/instances", expect: 200);
        await CallAsync("GET", "/api/journeys/{id}/instances", "/api/journeys/care/instances?status=dreaming", expect: 400);
        await CallAsync("GET", "/api/journeys/{id}/metrics", "/api/journeys/care/metrics", expect: 200);
        await CallAsync("GET", "/api/journey-steps", expect: 200);
        await CallAsync("POST", "/api/journeys/dryrun", body: $$"""{"profileId":"{{id}}","journeyId":"care"}""", expect: 200);
        await CallAsync("POST", "/api/journeys/dryrun", body: $$$"""{"profileId":"{{{id}}}","journey":{"name":"Try","trigger":{"event":"E"},"steps":[{"type":"exit"}]}}""", expect: 200);
        await CallAsync("POST", "/api/journeys/dryrun", body: $$"""{"profileId":"{{id}}"}""", expect: 400);
        await CallAsync("POST", "/api/journeys/dryrun", body: """{"profileId":"nobody","journeyId":"care"}""", expect: 404);
        await CallAsync("GET", "/api/journeys/instances/{instanceId}", $"/api/journeys/instances/{instance}", expect: 200);
        await CallAsync("POST", "/api/journeys/instances/{instanceId}/events/{name}", $"/api/journeys/instances/{instance}/events/Replied", expect: 202);
        await CallAsync("POST", "/api/journeys/instances/{instanceId}/terminate", $"/api/journeys/instances/{instance}/terminate", """{"reason":"walked"}""", expect: 200);
        await CallAsync("POST", "/api/journeys/instances/{instanceId}/terminate", "/api/journeys/instances/none/terminate", expect: 404);

        var letters = (await CallAsync("GET", "/api/deadletters", "/api/deadletters?stage=collect", expect: 200))!.AsArray();
        var letter = letters[0]!["id"]!.GetValue<string>();
        await CallAsync("GET", "/api/deadletters", "/api/deadletters?stage=nowhere", expect: 400);
        await CallAsync("POST", "/api/deadletters/{id}/replay", $"/api/deadletters/{letter}/replay", "{}", expect: 400);
        await CallAsync("POST", "/api/deadletters/{id}/replay", $"/api/deadletters/{letter}/replay", """{"type":"track","userId":"w-user","event":"Viewed again"}""", expect: 200);
        await CallAsync("POST", "/api/deadletters/replay", expect: 200);
        await CallAsync("DELETE", "/api/deadletters", expect: 200);
        await CallAsync("DELETE", "/api/deadletters/{id}", $"/api/deadletters/{letter}", expect: 404);
        await CallAsync("POST", "/api/imports", "/api/imports?id=walk&source=test", "{\"type\":\"identify\",\"userId\":\"w-import\"}\n{\"type\":\"track\",\"userId\":\"w-import\"}", expect: 200);
        await CallAsync("POST", "/api/imports", "/api/imports?id=walk&source=nobody", "", expect: 400);
        await CallAsync("GET", "/api/imports/{id}", "/api/imports/walk", expect: 200);
        await CallAsync("GET", "/api/imports/{id}", "/api/imports/none", expect: 404);
        await CallAsync("GET", "/api/activity", "/api/activity?minutes=5", expect: 200);
        await CallAsync("GET", "/api/activity", "/api/activity?minutes=0", expect: 400);
        await CallAsync("GET", "/api/status", "/api/status", expect: 200);
        await CallAsync("GET", "/api/audit", "/api/audit?limit=10", expect: 200);
        await CallAsync("GET", "/api/audit", "/api/audit?from=yesterday", expect: 400);

        var erasure = await CallAsync("POST", "/api/privacy/erasures", body: """{"identifier":"email:walk@example.com","reason":"asked"}""", expect: 202);
        await CallAsync("GET", "/api/privacy/erasures/{id}", $"/api/privacy/erasures/{erasure!["id"]!.GetValue<string>()}", expect: 200);
        await CallAsync("POST", "/api/privacy/erasures", body: """{"identifier":"nonsense"}""", expect: 400);
        await CallAsync("POST", "/api/privacy/master-keys", expect: 200);
        await CallAsync("POST", "/api/privacy/master-keys/rewrap", "/api/privacy/master-keys/rewrap?limit=100", expect: 200);
        await CallAsync("POST", "/api/privacy/master-keys/rewrap", "/api/privacy/master-keys/rewrap?limit=0", expect: 400);
        await CallAsync("DELETE", "/api/profiles/{id}", "/api/profiles/nobody", expect: 404);
        await CallAsync("DELETE", "/api/segments/{id}", "/api/segments/pro", expect: 202);
        await CallAsync("DELETE", "/api/journeys/{id}", "/api/journeys/care", expect: 204);
        await CallAsync("DELETE", "/api/journeys/{id}", "/api/journeys/care", expect: 404);

        // Every operation of the document was walked.
        Assert.Equal(Operations(document).Select(o => o.Method).Order(StringComparer.Ordinal), walked.Order(StringComparer.Ordinal));
    }

    /// <summary>The reply's status is documented for the operation, and its body valid against the schema given for it.</summary>
    private static void AssertConforms(JsonObject document, string operation, int status, string? mediaType, string body)
    {
        var (method, template) = (operation[..operation.IndexOf(' ', StringComparison.Ordinal)], operation[(operation.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        var responses = document["paths"]![template]![method.ToLowerInvariant()]!["responses"]!.AsObject();
        Assert.True(responses[status.ToString(CultureInfo.InvariantCulture)] is not null, $"{operation} answered {status}, which the document does not list: {body}");
        var content = responses[status.ToString(CultureInfo.InvariantCulture)]!["content"];
        if (body.Length == 0)
        {
            Assert.True(content is null, $"{operation} {status}: the document promises a body, the reply has none.");
            return;
        }

        var schema = content?[mediaType ?? string.Empty]?["schema"];
        Assert.True(schema is not null, $"{operation} {status}: no schema for {mediaType} in the document: {body}");
        var validator = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = document["components"]!["schemas"]!.DeepClone(),
            ["allOf"] = new JsonArray(schema!.DeepClone()),
        };
        var result = JsonSchema.FromText(validator.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal))
            .Evaluate(JsonDocument.Parse(body).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(
            result.IsValid,
            $"{operation} {status} does not match the document:\n{string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}")).Take(10))}\n{body}");
    }

    [Fact]
    public async Task TheCheckedInDocuments_AreWhatTheCodeGenerates()
    {
        await using var app = new LocalApp();
        foreach (var (name, file) in CheckedIn)
        {
            var generated = await ApiDocument.RenderAsync(app.Services, name, CancellationToken.None);
            var path = Path.Combine(RepositoryFiles.Root, file);
            if (Environment.GetEnvironmentVariable("CDP_WRITE_OPENAPI") == "1")
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, generated.ReplaceLineEndings("\n") + "\n");
            }

            Assert.True(
                File.Exists(path) && JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(path)), JsonNode.Parse(generated)),
                $"{file} differs from what the code generates: run CDP_WRITE_OPENAPI=1 dotnet test tests/Cdp.Local.Tests --filter {nameof(TheCheckedInDocuments_AreWhatTheCodeGenerates)} and commit the file.");
        }
    }

    [Fact]
    public async Task TheReferencePage_IsServed_WithEverythingFromThisHost()
    {
        await using var app = new LocalApp();
        using var anonymous = app.CreateAnonymousClient();

        using var page = await anonymous.GetAsync(ApiDocument.ReferencePath + "/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var sources = SourceAttribute().Matches(html).Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(sources);
        Assert.All(sources, source => Assert.False(Uri.TryCreate(source, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal), $"{source} comes from elsewhere"));
        foreach (var source in sources)
        {
            using var script = await anonymous.GetAsync(new Uri(new Uri(anonymous.BaseAddress!, ApiDocument.ReferencePath + "/"), source));
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        }
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex SourceAttribute();
}
