using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cdp.Embedded;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Local.Tests;

/// <summary>
/// The admin API on Cdp.Local answers 401 without the admin token, and a write key opens none of it: every route the
/// host maps is walked, so a route added later without the gate fails here.
/// </summary>
public class AccessTests
{
    /// <summary>Open by design: collection (write keys) and liveness.</summary>
    private static readonly HashSet<string> Open = ["api/v1/{type}", "api/track", "api/health"];

    /// <summary>The API's endpoints: all but its description (the OpenAPI documents and reference page, open by design, no data).</summary>
    private static IEnumerable<RouteEndpoint> ApiEndpoints(LocalApp app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Where(e => e.Metadata.OfType<ApiAccess>().Any());

    private static IEnumerable<(string Method, string Path)> AdminRoutes(LocalApp app) =>
        ApiEndpoints(app)
            .Where(e => !Open.Contains(e.RoutePattern.RawText!.TrimStart('/')))
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Select(m => (m, Fill(e.RoutePattern.RawText!))));

    /// <summary>A concrete path for a route template: each parameter gets a plausible value.</summary>
    private static string Fill(string template) =>
        "/" + System.Text.RegularExpressions.Regex.Replace(template.TrimStart('/'), @"\{(\w+)\}", m => m.Groups[1].Value switch
        {
            "instanceId" => "j:v1:p1:1",
            "type" => "track",
            var name => "x-" + name,
        });

    [Fact]
    public async Task EveryAdminRoute_401WithoutCredentials_AndWithAWriteKey_NeverData()
    {
        await using var app = new LocalApp();
        using var anonymous = app.CreateAnonymousClient();
        var routes = AdminRoutes(app).ToList();
        // Every route CdpRoutes declares is mapped, and all but the open ones are walked here.
        var declared = typeof(Cdp.Http.CdpRoutes).GetFields().Where(f => f.IsLiteral && f.Name != nameof(Cdp.Http.CdpRoutes.Prefix)).Select(f => "api/" + (string)f.GetRawConstantValue()!);
        var mapped = ApiEndpoints(app).Select(e => e.RoutePattern.RawText!.TrimStart('/'));
        var described = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Except(ApiEndpoints(app)).Select(e => e.RoutePattern.RawText!);
        // Besides the API: its description, and where the console is not built the page that says how to build it.
        Assert.All(described, route => Assert.True(route == "/" || route.StartsWith("/api/openapi", StringComparison.Ordinal) || route.StartsWith(ApiDocument.ReferencePath, StringComparison.Ordinal), $"{route} is mapped without saying who may call it"));
        Assert.Equal(declared.Order(StringComparer.Ordinal), mapped.Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(declared.Except(Open).Count(), routes.Select(r => r.Path).Distinct().Count());

        foreach (var (method, path) in routes)
        {
            foreach (var credentials in new AuthenticationHeaderValue?[] { null, LocalApp.BasicAuth(LocalApp.WriteKey), new("Bearer", LocalApp.WriteKey), new("Bearer", "wrong") })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = HttpJson.Body("{}") };
                request.Headers.Authorization = credentials;
                using var response = await anonymous.SendAsync(request);

                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with {credentials?.Scheme ?? "nothing"}: {(int)response.StatusCode}");
                var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
                Assert.Equal(401, problem["status"]!.GetValue<int>());
                Assert.Equal(["detail", "status", "title", "type"], problem.Select(p => p.Key).Where(k => k != "traceId").Order(StringComparer.Ordinal));
                Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task TheAdminToken_OpensTheAdminApi_AndCollectionStaysOnWriteKeys()
    {
        await using var app = new LocalApp();
        using var anonymous = app.CreateAnonymousClient();

        foreach (var (method, path) in AdminRoutes(app))
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = HttpJson.Body("{}") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LocalApp.AdminToken);
            using var response = await anonymous.SendAsync(request);
            Assert.True(response.StatusCode != HttpStatusCode.Unauthorized, $"{method} {path}: 401 with the admin token");
        }

        using var collect = new HttpRequestMessage(HttpMethod.Post, "/api/v1/track") { Content = HttpJson.Body("""{"userId":"u","event":"E"}""") };
        collect.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LocalApp.AdminToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(collect)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/health")).StatusCode);
    }

    [Fact]
    public async Task WithoutCdpAdminToken_ATokenIsGeneratedIntoTheDataFolder_AndKept()
    {
        var data = LocalApp.NewDataDirectory();
        string token;
        await using (var first = new LocalApp(data, new Dictionary<string, string> { ["CDP_ADMIN_TOKEN"] = string.Empty }))
        {
            using var client = first.CreateAnonymousClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/segments")).StatusCode);
            token = File.ReadAllText(Path.Combine(data, EmbeddedServiceCollectionExtensions.AdminTokenFile)).Trim();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/segments")).StatusCode);
        }

        await using var again = new LocalApp(data, new Dictionary<string, string> { ["CDP_ADMIN_TOKEN"] = string.Empty });
        using var second = again.CreateAnonymousClient();
        second.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/segments")).StatusCode);
        Directory.Delete(data, recursive: true);
    }
}
