using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Local.Tests;

/// <summary>A journey of a wait and a webhook, run by the in-process Durable Task host, over HTTP.</summary>
public class JourneyTests
{
    [Fact]
    public async Task WaitThenWebhook_RunsToCompletion_AndCallsTheReceiverOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var body = $$$"""
            {"profileId":"p_journey","journey":{"id":"welcome","version":1,"steps":[
              {"type":"wait","duration":"PT1S"},
              {"type":"webhook","url":"{{{receiver.Url}}}hook"}]}}
            """;

        using var start = await client.PostAsync("/api/journeys/runs", HttpJson.Body(body));
        using var again = await client.PostAsync("/api/journeys/runs", HttpJson.Body(body));

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False((await again.Content.ReadFromJsonAsync<JsonObject>())!["started"]!.GetValue<bool>());
        var location = start.Headers.Location!.OriginalString;
        var status = await Eventually.GetAsync(
            () => client.GetOrNullAsync(location),
            s => s["runtimeStatus"]!.GetValue<string>() is "Completed" or "Failed");
        Assert.Equal("Completed", status["runtimeStatus"]!.GetValue<string>());
        Assert.Equal(2, status["outcome"]!["stepsCompleted"]!.GetValue<int>());
        var call = Assert.Single(receiver.Calls);
        Assert.Equal("p_journey", call.Body["profileId"]!.GetValue<string>());
        Assert.Equal("welcome", call.Body["journeyId"]!.GetValue<string>());
        Assert.Equal("journey:welcome:v1:p_journey/1", call.IdempotencyKey);
    }

    [Fact]
    public async Task ConfiguredTrigger_IdentifyWithEmail_EnrollsFromTheChangeFeedAndCallsTheWebhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = new LocalApp(new Dictionary<string, string>
        {
            ["Cdp:Journeys:0:Id"] = "welcome",
            ["Cdp:Journeys:0:Version"] = "1",
            ["Cdp:Journeys:0:Trigger:TraitSet"] = "email",
            ["Cdp:Journeys:0:Steps:0:Type"] = "webhook",
            ["Cdp:Journeys:0:Steps:0:Url"] = receiver.Url + "hook",
        });
        using var client = app.CreateClient();

        using var identify = await client.PostAsync(
            "/api/v1/identify",
            HttpJson.Body("""{"userId":"signup-1","traits":{"email":"ada@example.com"}}"""));
        var profile = await Eventually.GetAsync(() => client.GetOrNullAsync("/api/profiles?identifier=user_id:signup-1"), _ => true);
        var profileId = profile["id"]!.GetValue<string>();
        var status = await Eventually.GetAsync(
            () => client.GetOrNullAsync($"/api/journeys/runs/journey:welcome:v1:{profileId}"),
            s => s["runtimeStatus"]!.GetValue<string>() is "Completed" or "Failed");

        Assert.Equal("Completed", status["runtimeStatus"]!.GetValue<string>());
        var call = Assert.Single(receiver.Calls);
        Assert.Equal(profileId, call.Body["profileId"]!.GetValue<string>());
    }

    [Fact]
    public async Task InvalidJourney_400ProblemDetailsNamingTheStep()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        var body = """{"profileId":"p1","journey":{"id":"j","version":1,"steps":[{"type":"wait","duration":"soon"}]}}""";

        using var response = await client.PostAsync("/api/journeys/runs", HttpJson.Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.NotNull(problem!["errors"]!["journey.steps[0].duration"]);
    }

    [Fact]
    public async Task UnknownInstance_404()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.GetAsync("/api/journeys/runs/journey:nope:v1:p1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>A real HTTP server on a loopback port that records the webhooks it receives.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private WebhookReceiver(WebApplication app, string url)
        {
            _app = app;
            Url = url;
        }

        public string Url { get; }

        public ConcurrentQueue<(JsonObject Body, string IdempotencyKey)> Calls { get; } = new();

        public static async Task<WebhookReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            WebhookReceiver? receiver = null;
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                var body = await request.ReadFromJsonAsync<JsonObject>();
                receiver!.Calls.Enqueue((body!, request.Headers["Idempotency-Key"].ToString()));
                return Results.Ok();
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            receiver = new WebhookReceiver(app, address.TrimEnd('/') + "/");
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
