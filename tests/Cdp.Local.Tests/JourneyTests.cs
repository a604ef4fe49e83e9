using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Journeys;
using Cdp.Embedded;
using Cdp.Journeys;
using Cdp.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Local.Tests;

/// <summary>
/// Journeys end to end on Cdp.Local over HTTP: a segment and a journey defined through the API, events that put a
/// profile in the segment, the instance followed through the status API to the signed webhook it sends.
/// </summary>
public class JourneyTests
{
    private static async Task<string> ProfileIdAsync(HttpClient client, string userId) =>
        (await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/profiles?identifier=user_id:{userId}"), _ => true))["id"]!.GetValue<string>();

    private static async Task<JsonObject> InstanceOfAsync(HttpClient client, string profileId) =>
        (JsonObject)(await Eventually.GetAsync(
            () => client.GetFromJsonAsync<JsonArray>($"/api/profiles/{profileId}/journeys"),
            list => list.Count > 0))[0]!;

    [Fact]
    public async Task TheWebhookSigningKey_IsInTheDataFolderOnceTheHostStarted_BeforeAnyWebhook()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var health = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var file = Path.Combine(app.DataDirectory, EmbeddedServiceCollectionExtensions.WebhookKeyFile);
        Assert.True(File.Exists(file));
        Assert.True(Convert.FromBase64String(await File.ReadAllTextAsync(file)).Length >= 32);
    }

    [Fact]
    public async Task SegmentEntered_StartsTheJourney_StatusApiFollowsIt_AndTheSignedWebhookArrives()
    {
        using var receiver = new WebhookReceiver();
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        using var segment = await client.PutAsync("/api/segments/vip", HttpJson.Body("""{"name":"VIP","rule":"flag(\"vip\")"}"""));
        Assert.Equal(HttpStatusCode.Created, segment.StatusCode);
        var journey = $$$"""
            {"name":"VIP welcome","trigger":{"segmentEntered":"vip"},"exit":{"segmentExited":"vip"},
             "steps":[
               {"type":"wait","duration":"PT1S"},
               {"type":"if","rule":"hasTrait(\"email\")","then":[
                 {"type":"action","action":"webhook","url":"{{{receiver.Url}}}hook","body":{"email":"{{traits.email}}","journey":"{{journey.id}}"}}]},
               {"type":"action","action":"addTag","tag":"welcomed"}]}
            """;
        using var saved = await client.PutAsync("/api/journeys/vip-welcome", HttpJson.Body(journey));
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        Assert.Equal(1, (await saved.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<long>());

        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"j-ada","traits":{"vip":true,"email":"ada@example.com"}}"""));
        var profileId = await ProfileIdAsync(client, "j-ada");
        var instanceId = (await InstanceOfAsync(client, profileId))["instanceId"]!.GetValue<string>();
        Assert.Equal($"vip-welcome:v1:{profileId}:1", instanceId);
        var done = await Eventually.GetAsync(
            () => client.GetOrNullAsync($"/api/journeys/instances/{instanceId}"),
            // The record is ended by the orchestration's last activity, a moment before the runtime completes it.
            view => view["instance"]!["status"]!.GetValue<string>() is "completed" or "failed" or "exited"
                && view["runtime"]!["runtimeStatus"]!.GetValue<string>() is not ("Running" or "Pending"));

        Assert.Equal("completed", done["instance"]!["status"]!.GetValue<string>());
        Assert.Equal("Completed", done["runtime"]!["runtimeStatus"]!.GetValue<string>());
        Assert.Equal(
            ["start", "steps[0]", "steps[1]", "steps[1].then[0]", "steps[2]", "end"],
            done["instance"]!["history"]!.AsArray().Select(h => h!["step"]!.GetValue<string>()));
        var call = Assert.Single(receiver.Calls);
        Assert.Equal("ada@example.com", JsonNode.Parse(call.Body)!["email"]!.GetValue<string>());
        var key = Convert.FromBase64String(File.ReadAllText(Path.Combine(app.DataDirectory, EmbeddedServiceCollectionExtensions.WebhookKeyFile)).Trim());
        Assert.Equal(WebhookSender.Sign(key, call.Headers[WebhookSender.TimestampHeader], call.Body), call.Headers[WebhookSender.SignatureHeader]);
        var tagged = await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/profiles/{profileId}"), p => p["traits"]?["tags"] is not null);
        Assert.Equal("welcomed", tagged["traits"]!["tags"]!["value"]![0]!.GetValue<string>());

        var metrics = (await client.GetFromJsonAsync<JsonObject>("/api/journeys/vip-welcome/metrics"))!;
        Assert.Equal(1, metrics["entered"]!.GetValue<long>());
        Assert.Equal(1, metrics["statuses"]!["completed"]!.GetValue<long>());
        Assert.Equal(1, metrics["steps"]!["steps[1].then[0]"]!.GetValue<long>());
        var completed = (await client.GetFromJsonAsync<JsonObject>("/api/journeys/vip-welcome/instances?status=completed"))!;
        Assert.Equal(instanceId, completed["instances"]![0]!["instanceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task EventsAndTermination_ThroughTheInstanceApi()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        await client.PutAsync("/api/segments/trial", HttpJson.Body("""{"name":"Trial","rule":"text(\"plan\") == \"trial\""}"""));
        await client.PutAsync("/api/journeys/convert", HttpJson.Body("""
            {"name":"Convert","trigger":{"segmentEntered":"trial"},"reEntry":"always",
             "steps":[{"type":"waitFor","event":"Demo Booked","timeout":"PT10M","onEvent":[{"type":"exit","reason":"booked"}]}]}
            """));
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"j-bo","traits":{"plan":"trial"}}"""));
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"j-cy","traits":{"plan":"trial"}}"""));
        var bo = (await InstanceOfAsync(client, await ProfileIdAsync(client, "j-bo")))["instanceId"]!.GetValue<string>();
        var cy = (await InstanceOfAsync(client, await ProfileIdAsync(client, "j-cy")))["instanceId"]!.GetValue<string>();
        await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/journeys/instances/{bo}"), v => v["instance"]!["step"]?.GetValue<string>() == "steps[0]");

        using var raised = await client.PostAsync($"/api/journeys/instances/{bo}/events/Demo%20Booked", null);
        using var terminated = await client.PostAsync($"/api/journeys/instances/{cy}/terminate", HttpJson.Body("""{"reason":"support asked"}"""));

        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        Assert.Equal(HttpStatusCode.OK, terminated.StatusCode);
        var booked = await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/journeys/instances/{bo}"), v => v["instance"]!["status"]!.GetValue<string>() != "running");
        Assert.Equal(("exited", "booked"), (booked["instance"]!["status"]!.GetValue<string>(), booked["instance"]!["reason"]!.GetValue<string>()));
        var ended = (await client.GetFromJsonAsync<JsonObject>($"/api/journeys/instances/{cy}"))!;
        Assert.Equal(("terminated", "support asked"), (ended["instance"]!["status"]!.GetValue<string>(), ended["instance"]!["reason"]!.GetValue<string>()));
        using var late = await client.PostAsync($"/api/journeys/instances/{cy}/events/Demo%20Booked", null);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        var metrics = (await client.GetFromJsonAsync<JsonObject>("/api/journeys/convert/metrics"))!;
        Assert.Equal(1, metrics["exits"]!["booked"]!.GetValue<long>());
    }

    [Fact]
    public async Task ARestartOfTheHost_ResumesARunningInstance_AtItsStep_WithItsWaitsDeadline()
    {
        var data = LocalApp.NewDataDirectory();
        string profileId, instanceId;
        await using (var before = new LocalApp(data))
        {
            using var client = before.CreateClient();
            await client.PutAsync("/api/segments/vip", HttpJson.Body("""{"name":"VIP","rule":"flag(\"vip\")"}"""));
            await client.PutAsync("/api/journeys/patient", HttpJson.Body("""
                {"name":"Patient","trigger":{"segmentEntered":"vip"},
                 "steps":[{"type":"action","action":"addTag","tag":"before"},{"type":"wait","duration":"PT3S"},{"type":"action","action":"addTag","tag":"after"}]}
                """));
            await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"j-restart","traits":{"vip":true}}"""));
            profileId = await ProfileIdAsync(client, "j-restart");
            instanceId = (await InstanceOfAsync(client, profileId))["instanceId"]!.GetValue<string>();
            await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/journeys/instances/{instanceId}"), v => v["instance"]!["step"]?.GetValue<string>() == "steps[1]");
        }

        await using var after = new LocalApp(data);
        using var again = after.CreateClient();
        var done = await Eventually.GetAsync(
            () => again.GetOrNullAsync($"/api/journeys/instances/{instanceId}"),
            v => v["instance"]!["status"]!.GetValue<string>() != "running");

        Assert.Equal("completed", done["instance"]!["status"]!.GetValue<string>());
        var history = done["instance"]!["history"]!.AsArray().Select(h => (Step: h!["step"]!.GetValue<string>(), Outcome: h["outcome"]?.GetValue<string>())).ToList();
        Assert.Contains(("start", "resumed at steps[1]"), history);
        var waits = history.Where(h => h.Step == "steps[1]").Select(h => h.Outcome).ToList();
        Assert.Equal(2, waits.Count);
        Assert.Equal(waits[0], waits[1]); // the same deadline before and after the restart
        Assert.Single(history, h => h.Step == "steps[0]"); // the first action was not taken again
        var tags = (await again.GetFromJsonAsync<JsonObject>($"/api/profiles/{profileId}"))!["traits"]!["tags"]!["value"]!.AsArray();
        Assert.Equal(["before", "after"], tags.Select(t => t!.GetValue<string>()));
    }

    /// <summary>
    /// Issue 17, item 16: a webhook the receiver acknowledged is not sent again by an instance resumed at that step
    /// after a restart (the host stopped after the answer, before the next step was recorded); the Idempotency-Key is
    /// the same for every call of the step.
    /// </summary>
    [Fact]
    public async Task ARestartAfterAnAcknowledgedWebhook_DoesNotSendItAgain()
    {
        using var receiver = new WebhookReceiver();
        var data = LocalApp.NewDataDirectory();
        string instanceId;
        await using (var before = new LocalApp(data))
        {
            using var client = before.CreateClient();
            await client.PutAsync("/api/segments/vip", HttpJson.Body("""{"name":"VIP","rule":"flag(\"vip\")"}"""));
            await client.PutAsync("/api/journeys/hooked", HttpJson.Body($$$"""
                {"name":"Hooked","trigger":{"segmentEntered":"vip"},
                 "steps":[{"type":"action","action":"webhook","url":"{{{receiver.Url}}}hook"},{"type":"wait","duration":"PT1H"}]}
                """));
            await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"j-hook","traits":{"vip":true}}"""));
            instanceId = (await InstanceOfAsync(client, await ProfileIdAsync(client, "j-hook")))["instanceId"]!.GetValue<string>();
            await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/journeys/instances/{instanceId}"), v => v["instance"]!["step"]?.GetValue<string>() == "steps[1]");

            // The record as a stop right after the answer leaves it: the webhook step reported (before its call) and
            // acknowledged, the next step not reported yet.
            var records = before.Services.GetRequiredService<IJourneyInstances>();
            var stored = (await records.GetAsync("hooked", instanceId, CancellationToken.None))!;
            var history = stored.Instance.History!.TakeWhile(h => h.Step != "steps[1]").ToList();
            Assert.Equal("steps[0]", history[^1].Step);
            Assert.Equal(["steps[0]"], stored.Instance.Delivered);
            Assert.True(await records.TryReplaceAsync(stored.Instance with { Step = "steps[0]", History = history }, stored.VersionTag, CancellationToken.None));
        }

        await using var after = new LocalApp(data);
        using var again = after.CreateClient();
        var resumed = await Eventually.GetAsync(
            () => again.GetOrNullAsync($"/api/journeys/instances/{instanceId}"),
            v => v["instance"]!["step"]?.GetValue<string>() == "steps[1]");

        Assert.Contains(resumed["instance"]!["history"]!.AsArray(), h => h!["outcome"]?.GetValue<string>() == "resumed at steps[0]");
        Assert.Single(receiver.Calls);
        Assert.Equal($"{instanceId}/steps[0]", receiver.Calls.Single().Headers["Idempotency-Key"]);
        Assert.Equal(["steps[0]"], resumed["instance"]!["delivered"]!.AsArray().Select(s => s!.GetValue<string>()));
    }

    /// <summary>
    /// With <paramref name="deletedFirst"/>, the journey is deleted while the instance runs (issue 17, item 4): it is
    /// gone from the API, its instance still ends on the revocation, and saving it again makes version 2.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AConsentRevokedThroughTheApi_EndsTheRunningInstance(bool deletedFirst)
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();
        await client.PutAsync("/api/segments/subscribers", HttpJson.Body("""{"name":"Subscribers","rule":"hasTrait(\"email\")"}"""));
        await client.PutAsync("/api/journeys/newsletter", HttpJson.Body("""
            {"name":"Newsletter","trigger":{"segmentEntered":"subscribers"},"purpose":"marketing_email",
             "steps":[{"type":"wait","duration":"PT10M"},{"type":"action","action":"addTag","tag":"mailed"}]}
            """));
        await client.PostAsync("/api/v1/identify", HttpJson.Body("""{"userId":"j-dee","traits":{"email":"dee@example.com"}}"""));
        var profileId = await ProfileIdAsync(client, "j-dee");
        using var granted = await client.PutAsync($"/api/profiles/{profileId}/consents/marketing_email", HttpJson.Body("""{"granted":true}"""));
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        var instanceId = (await InstanceOfAsync(client, profileId))["instanceId"]!.GetValue<string>();
        await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/journeys/instances/{instanceId}"), v => v["instance"]!["step"]?.GetValue<string>() == "steps[0]");

        if (deletedFirst)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/journeys/newsletter")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/journeys/newsletter")).StatusCode);
            Assert.Empty((await client.GetFromJsonAsync<JsonArray>("/api/journeys"))!);
        }

        using var revoked = await client.PutAsync($"/api/profiles/{profileId}/consents/marketing_email", HttpJson.Body("""{"granted":false,"source":"preference-center"}"""));
        using var unknown = await client.PutAsync($"/api/profiles/{profileId}/consents/carrier_pigeon", HttpJson.Body("""{"granted":true}"""));

        Assert.Equal("preference-center", (await revoked.Content.ReadFromJsonAsync<JsonObject>())!["consents"]!["marketing_email"]!["source"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.NotNull((await unknown.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["purpose"]);
        var ended = await Eventually.GetAsync(() => client.GetOrNullAsync($"/api/journeys/instances/{instanceId}"), v => v["instance"]!["status"]!.GetValue<string>() != "running");
        Assert.Equal(("exited", "consentRevoked"), (ended["instance"]!["status"]!.GetValue<string>(), ended["instance"]!["reason"]!.GetValue<string>()));
        if (deletedFirst)
        {
            using var again = await client.PutAsync("/api/journeys/newsletter", HttpJson.Body("""{"name":"Newsletter","trigger":{"segmentEntered":"subscribers"},"steps":[{"type":"wait","duration":"PT10M"}]}"""));
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
            var saved = (await again.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(2, saved["version"]!.GetValue<long>());
            Assert.Null(saved["earlier"]);
            Assert.Null(saved["deletedAt"]);
        }
    }

    [Fact]
    public async Task InvalidJourney_400ProblemDetailsNamingEachField_AndUnknownsAre404()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        using var response = await client.PutAsync("/api/journeys/j", HttpJson.Body("""{"name":"J","trigger":{"segmentEntered":"nobody"},"steps":[{"type":"wait","duration":"soon"},{"type":"exit"},{"type":"exit"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["steps[0].duration", "steps[2]", "trigger.segmentEntered"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/journeys/j")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/journeys/instances/j:v1:p1:1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/api/journeys/j")).StatusCode);
    }
}
