using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary>Every answered admin call is in the audit log: who, what, when, why; collection is not; queries are validated.</summary>
public class AuditTests
{
    [Fact]
    public async Task AdminCalls_AreAudited_WithActorActionReasonAndStatus_AndReadBackByFilter()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"a-user","traits":{"email":"ann@example.com"}}"""));
        var id = (await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=email:ann@example.com"), _ => true))["id"]!.GetValue<string>();

        await SendAsync(client, HttpMethod.Get, $"/api/profiles/{id}", "support ticket 12", "sam");
        await SendAsync(client, HttpMethod.Get, $"/api/profiles/{id}/export", "subject access request", "sam");
        await SendAsync(client, HttpMethod.Put, $"/api/profiles/{id}/consents/analytics", "preference call", null, """{"granted":false}""");
        await SendAsync(client, HttpMethod.Get, "/api/profiles/p_nobody", null, null);

        var entries = await client.GetFromJsonAsync<JsonArray>($"/api/audit?profileId={id}");
        Assert.Equal(["change", "export", "read"], entries!.Select(e => e!["action"]!.GetValue<string>()));
        var read = entries![2]!;
        Assert.Equal("admin (sam)", read["actor"]!.GetValue<string>());
        Assert.Equal("support ticket 12", read["reason"]!.GetValue<string>());
        Assert.Equal("GET", read["method"]!.GetValue<string>());
        Assert.Equal($"/api/profiles/{id}", read["path"]!.GetValue<string>());
        Assert.Equal(200, read["status"]!.GetValue<int>());
        Assert.Equal("admin", entries[0]!["actor"]!.GetValue<string>());

        var all = (await client.GetFromJsonAsync<JsonArray>("/api/audit?limit=1000"))!;
        Assert.Contains(all, e => e!["path"]!.GetValue<string>() == "/api/profiles/p_nobody" && e["status"]!.GetValue<int>() == 404);
        // The lookup by email is recorded with its parameter name only; collection is not audited.
        var lookup = all.First(e => e!["path"]!.GetValue<string>() == "/api/profiles")!;
        Assert.Equal(["identifier"], lookup["query"]!.AsArray().Select(q => q!.GetValue<string>()));
        Assert.DoesNotContain("ann@example.com", all.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(all, e => e!["path"]!.GetValue<string>().StartsWith("/api/v1", StringComparison.Ordinal));

        var exports = (await client.GetFromJsonAsync<JsonArray>("/api/audit?action=export&actor=admin%20(sam)"))!;
        Assert.Single(exports);
        Assert.Empty((await client.GetFromJsonAsync<JsonArray>($"/api/audit?profileId={id}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-2).ToString("O"))}"))!);
    }

    [Fact]
    public async Task AuditQuery_WithBadFilters_Is400NamingEachOne()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.GetAsync("/api/audit?from=yesterday&action=peek&limit=0");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["action", "from", "limit"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        using var range = await client.GetAsync("/api/audit?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.BadRequest, range.StatusCode);
        Assert.NotNull((await range.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["to"]);
    }

    private static async Task SendAsync(HttpClient client, HttpMethod method, string path, string? reason, string? actor, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (reason is not null)
        {
            request.Headers.Add("X-Cdp-Reason", reason);
        }

        if (actor is not null)
        {
            request.Headers.Add("X-Cdp-Actor", actor);
        }

        if (body is not null)
        {
            request.Content = HttpJson.Body(body);
        }

        using var response = await client.SendAsync(request);
    }
}
