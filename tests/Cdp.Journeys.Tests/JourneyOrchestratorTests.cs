using System.Net;
using System.Text.Json.Nodes;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Testing;

namespace Cdp.Journeys.Tests;

/// <summary>
/// The journey interpreter on the in-process Durable Task host, with second-scale durations: each step type,
/// both outcomes of each branch, exits raised from the change feed mid-wait, webhook retries against a real local
/// HTTP server with the signature checked, and enrollment from a duplicated trigger.
/// </summary>
public class JourneyOrchestratorTests
{
    private static readonly JourneyTrigger OnVip = new(SegmentEntered: "vip");

    private static JourneyDefinition Journey(string id, params JourneyStep[] steps) => new(id, id, OnVip, steps);

    private static JourneyStep SetTrait(string trait, string value) => new(JourneyStep.ActionStep, Action: JourneyStep.SetTrait, Trait: trait, Value: JsonValue.Create(value));

    private static async Task<string?> TraitAsync(JourneyHarness harness, string profileId, string trait) =>
        (await harness.Stores.GetAsync(profileId, CancellationToken.None))!.Profile.Traits.TryGetValue(trait, out var value) ? value.Value?.GetValue<string>() : null;

    [Fact]
    public async Task Wait_ThenSetTrait_CompletesAndRecordsEachStepInOrder()
    {
        await using var harness = await JourneyHarness.StartAsync();
        await harness.ProfileAsync("p1");
        var journey = Journey("welcome", new JourneyStep(JourneyStep.Wait, Duration: "PT1S"), SetTrait("stage", "welcomed"));

        var record = await harness.EndedAsync(await harness.StartAsync(journey, "p1"));

        Assert.Equal(JourneyInstanceStatus.Completed, record.Status);
        Assert.Equal("welcomed", await TraitAsync(harness, "p1", "stage"));
        Assert.Equal(["start", "steps[0]", "steps[1]", "end"], record.History!.Select(h => h.Step));
        Assert.StartsWith("until ", record.History![1].Outcome);
        // The action ran after the wait's timer fired: at least a second later by the orchestration's clock.
        Assert.True(record.History[2].At - record.History[1].At >= TimeSpan.FromSeconds(1));
        Assert.Equal("journey:welcome", (await harness.Stores.GetAsync("p1", CancellationToken.None))!.Profile.Traits["stage"].Source);
    }

    [Fact]
    public async Task WaitFor_EventArrives_TakesOnEvent_ElseOnTimeout()
    {
        await using var harness = await JourneyHarness.StartAsync();
        await harness.ProfileAsync("p1");
        await harness.ProfileAsync("p2");
        var waitFor = new JourneyStep(JourneyStep.WaitFor, Event: "Order Completed", Timeout: "PT30S", OnEvent: [SetTrait("outcome", "bought")], OnTimeout: [SetTrait("outcome", "timedOut")]);
        var journey = Journey("nudge", waitFor);
        var quick = Journey("quick", waitFor with { Timeout = "PT1S" });
        await harness.SaveAsync(journey);

        var buying = await harness.StartAsync(journey, "p1");
        var idle = await harness.StartAsync(quick, "p2");
        await harness.AtStepAsync(buying, "steps[0]");
        await harness.DeliverAsync();
        await harness.ChangeAsync("p1", p => p.Count("track:Order Completed", DateTimeOffset.UtcNow));

        var bought = await harness.EndedAsync(buying);
        var timedOut = await harness.EndedAsync(idle);
        Assert.Equal(JourneyInstanceStatus.Completed, bought.Status);
        Assert.Equal("bought", await TraitAsync(harness, "p1", "outcome"));
        Assert.Contains(bought.History!, h => h.Step == "steps[0]" && h.Outcome == "event");
        Assert.Equal("timedOut", await TraitAsync(harness, "p2", "outcome"));
        Assert.Contains(timedOut.History!, h => h.Step == "steps[0].onTimeout[0]");
    }

    [Fact]
    public async Task WaitFor_IgnoresAnEventRaisedBeforeTheWaitBegan()
    {
        await using var harness = await JourneyHarness.StartAsync();
        await harness.ProfileAsync("p1");
        var journey = Journey("late", new JourneyStep(JourneyStep.Wait, Duration: "PT2S"), new JourneyStep(JourneyStep.WaitFor, Event: "Clicked", Timeout: "PT2S", OnEvent: [SetTrait("outcome", "clicked")], OnTimeout: [SetTrait("outcome", "timedOut")]));
        var instance = await harness.StartAsync(journey, "p1");
        await harness.AtStepAsync(instance, "steps[0]");

        // Raised while the instance is still in its first wait: buffered by the runtime, stale once it waits for it.
        Assert.True(await harness.Runtime.RaiseAsync(instance, JourneySignals.ForEvent("Clicked"), new JourneySignal(DateTimeOffset.UtcNow, Id: "early"), CancellationToken.None));

        await harness.EndedAsync(instance);
        Assert.Equal("timedOut", await TraitAsync(harness, "p1", "outcome"));
    }

    [Fact]
    public async Task If_RuleOnTheProfileNow_TakesThenOrElse()
    {
        await using var harness = await JourneyHarness.StartAsync();
        await harness.ProfileAsync("gold", new Dictionary<string, JsonNode?> { ["plan"] = "gold" });
        await harness.ProfileAsync("free", new Dictionary<string, JsonNode?> { ["plan"] = "free" });
        var journey = Journey("upsell", new JourneyStep(JourneyStep.If, Rule: "text(\"plan\") == \"gold\"", Then: [SetTrait("offer", "thanks")], Else: [SetTrait("offer", "upgrade")]));

        var gold = await harness.EndedAsync(await harness.StartAsync(journey, "gold"));
        var free = await harness.EndedAsync(await harness.StartAsync(journey, "free"));

        Assert.Equal("thanks", await TraitAsync(harness, "gold", "offer"));
        Assert.Equal("upgrade", await TraitAsync(harness, "free", "offer"));
        Assert.Contains(gold.History!, h => h.Step == "steps[0]" && h.Outcome == "then");
        Assert.Contains(free.History!, h => h.Step == "steps[0]" && h.Outcome == "else");
    }

    [Fact]
    public async Task CheckConsent_Present_Continues_Absent_ExitsOrTakesElse()
    {
        await using var harness = await JourneyHarness.StartAsync();
        await harness.ProfileAsync("yes", consents: new Dictionary<string, bool> { ["marketing_email"] = true });
        await harness.ProfileAsync("no", consents: new Dictionary<string, bool> { ["marketing_email"] = false });
        await harness.ProfileAsync("unasked");
        var exiting = Journey("mail", new JourneyStep(JourneyStep.CheckConsent, Purpose: "marketing_email"), SetTrait("mailed", "yes"));
        var branching = Journey("ask", new JourneyStep(JourneyStep.CheckConsent, Purpose: "marketing_email", Else: [SetTrait("asked", "yes")]));

        var granted = await harness.EndedAsync(await harness.StartAsync(exiting, "yes"));
        var denied = await harness.EndedAsync(await harness.StartAsync(exiting, "no"));
        var absent = await harness.EndedAsync(await harness.StartAsync(branching, "unasked"));

        Assert.Equal(JourneyInstanceStatus.Completed, granted.Status);
        Assert.Equal("yes", await TraitAsync(harness, "yes", "mailed"));
        Assert.Equal(JourneyInstanceStatus.Exited, denied.Status);
        Assert.Equal("consentAbsent:marketing_email", denied.Reason);
        Assert.Null(await TraitAsync(harness, "no", "mailed"));
        Assert.Equal(JourneyInstanceStatus.Completed, absent.Status);
        Assert.Equal("yes", await TraitAsync(harness, "unasked", "asked"));
    }

    [Fact]
    public async Task SegmentExit_FromTheChangeFeed_EndsTheInstanceMidWait_BeforeItsNextStep()
    {
        await using var harness = await JourneyHarness.StartAsync();
        await harness.ProfileAsync("p1", segments: "vip");
        var journey = await harness.SaveAsync(Journey("vip-care", new JourneyStep(JourneyStep.Wait, Duration: "PT10M"), SetTrait("cared", "yes")) with { Exit = new JourneyExit(SegmentExited: "vip") });
        var instance = await harness.StartAsync(journey, "p1");
        await harness.AtStepAsync(instance, "steps[0]");
        await harness.DeliverAsync();

        await harness.ChangeAsync("p1", p => p.Exit("vip", DateTimeOffset.UtcNow));

        var record = await harness.EndedAsync(instance);
        Assert.Equal(JourneyInstanceStatus.Exited, record.Status);
        Assert.Equal("segmentExited", record.Reason);
        Assert.Null(await TraitAsync(harness, "p1", "cared"));
    }

    [Fact]
    public async Task ConsentRevokedMidWait_EndsTheInstance_AndNoWebhookIsSent()
    {
        await using var harness = await JourneyHarness.StartAsync();
        using var receiver = new WebhookReceiver();
        await harness.ProfileAsync("p1", consents: new Dictionary<string, bool> { ["marketing_email"] = true });
        var webhook = new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.Webhook, Url: new Uri(receiver.Url, "hook"));
        var journey = await harness.SaveAsync(Journey("promo", new JourneyStep(JourneyStep.Wait, Duration: "PT10M"), webhook) with { Purpose = "marketing_email" });
        var instance = await harness.StartAsync(journey, "p1");
        await harness.AtStepAsync(instance, "steps[0]");
        await harness.DeliverAsync();

        await harness.ChangeAsync("p1", p => p.SetConsent("marketing_email", new ProfileConsent(false, DateTimeOffset.UtcNow, "revoke-1")));

        var record = await harness.EndedAsync(instance);
        Assert.Equal(JourneyInstanceStatus.Exited, record.Status);
        Assert.Equal("consentRevoked", record.Reason);
        Assert.Empty(receiver.Calls);
    }

    [Fact]
    public async Task Webhook_RetriedUntilAccepted_SignedWithHmac_BodyFromTheTemplate()
    {
        await using var harness = await JourneyHarness.StartAsync();
        using var receiver = new WebhookReceiver(HttpStatusCode.ServiceUnavailable, HttpStatusCode.InternalServerError);
        await harness.ProfileAsync("p1", new Dictionary<string, JsonNode?> { ["email"] = "ada@example.com", ["score"] = 42 });
        var webhook = new JourneyStep(
            JourneyStep.ActionStep,
            Action: JourneyStep.Webhook,
            Url: new Uri(receiver.Url, "hook"),
            Body: JsonNode.Parse("""{"to":"{{traits.email}}","score":"{{traits.score}}","text":"Hi {{traits.email}} from {{journey.id}}"}"""),
            Retries: 3,
            RetryInterval: "PT1S");

        var record = await harness.EndedAsync(await harness.StartAsync(Journey("notify", webhook), "p1"));

        Assert.Equal(JourneyInstanceStatus.Completed, record.Status);
        Assert.Equal([503, 500, 200], receiver.Calls.Select(c => c.AnsweredStatus));
        var key = Convert.FromBase64String(JourneyHarness.WebhookKey);
        foreach (var call in receiver.Calls)
        {
            // What a receiver does: recompute the HMAC over "{timestamp}.{body}" with the shared key.
            Assert.Equal(WebhookSender.Sign(key, call.Headers[WebhookSender.TimestampHeader], call.Body), call.Headers[WebhookSender.SignatureHeader]);
            Assert.Equal("notify:v1:p1:1/steps[0]", call.Headers["Idempotency-Key"]);
        }

        var body = JsonNode.Parse(receiver.Calls.Last().Body)!;
        Assert.Equal("ada@example.com", body["to"]!.GetValue<string>());
        Assert.Equal(42, body["score"]!.GetValue<int>());
        Assert.Equal("Hi ada@example.com from notify", body["text"]!.GetValue<string>());
        Assert.NotEqual(WebhookSender.Sign(new byte[32], receiver.Calls.Last().Headers[WebhookSender.TimestampHeader], receiver.Calls.Last().Body), receiver.Calls.Last().Headers[WebhookSender.SignatureHeader]);
    }

    [Fact]
    public async Task Webhook_NeverAccepted_FailsTheInstanceAfterItsRetries_AndRecordsIt()
    {
        await using var harness = await JourneyHarness.StartAsync();
        using var receiver = new WebhookReceiver(HttpStatusCode.BadGateway, HttpStatusCode.BadGateway);
        await harness.ProfileAsync("p1");
        var webhook = new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.Webhook, Url: new Uri(receiver.Url, "hook"), Retries: 2, RetryInterval: "PT1S");

        var record = await harness.EndedAsync(await harness.StartAsync(Journey("broken", webhook), "p1"));

        Assert.Equal(JourneyInstanceStatus.Failed, record.Status);
        Assert.Equal(2, receiver.Calls.Count);
        Assert.Equal("Failed", (await harness.Runtime.GetStatusAsync(record.InstanceId, CancellationToken.None))!.RuntimeStatus);
    }

    [Fact]
    public async Task DuplicatedTrigger_EnrollsOnce_AndReEntryPolicyHolds()
    {
        await using var harness = await JourneyHarness.StartAsync();
        await harness.ProfileAsync("p1");
        await harness.ProfileAsync("p2");
        await harness.SaveAsync(Journey("once", SetTrait("onboarded", "yes")));
        await harness.SaveAsync(Journey("always", new JourneyStep(JourneyStep.Exit, Reason: "done")) with { ReEntry = JourneyReEntry.Always });
        await harness.DeliverAsync();

        await harness.ChangeAsync("p1", p => p.Enter("vip", DateTimeOffset.UtcNow));
        var entry = (await harness.Stores.ReadAsync("replay", 1000, CancellationToken.None)).Changes[^1];
        // The same change delivered again (at-least-once), twice.
        await harness.Triggers.OnProfileChangedAsync(entry, new Core.Changes.ProfileChangeContext(harness.Runtime), CancellationToken.None);
        await harness.Triggers.OnProfileChangedAsync(entry, new Core.Changes.ProfileChangeContext(harness.Runtime), CancellationToken.None);
        await harness.EndedAsync("once:v1:p1:1");
        await harness.EndedAsync("always:v1:p1:1");
        Assert.Single(harness.Journeys.Instances, i => i.JourneyId == "once");
        Assert.Single(harness.Journeys.Instances, i => i.JourneyId == "always");

        // Leaving and entering again: a new trigger. 'once' stays at one; 'always' enrolls a second time.
        await harness.ChangeAsync("p1", p => p.Exit("vip", DateTimeOffset.UtcNow));
        await harness.ChangeAsync("p1", p => p.Enter("vip", DateTimeOffset.UtcNow));
        await harness.EndedAsync("always:v1:p1:2");
        Assert.Single(harness.Journeys.Instances, i => i.JourneyId == "once");
        Assert.Equal([1, 2], harness.Journeys.Instances.Where(i => i.JourneyId == "always").Select(i => i.Enrollment));
        Assert.Equal((JourneyInstanceStatus.Exited, "done"), (harness.Record("always:v1:p1:2").Status, harness.Record("always:v1:p1:2").Reason));
    }

    /// <summary>Issue 17, item 5: a webhook retried after its person revoked consent is not sent again.</summary>
    [Fact]
    public async Task Webhook_ConsentRevokedBetweenAttempts_IsNotSentAgain_AndTheInstanceExits()
    {
        await using var harness = await JourneyHarness.StartAsync();
        using var receiver = new WebhookReceiver(HttpStatusCode.ServiceUnavailable);
        await harness.ProfileAsync("p1", consents: new Dictionary<string, bool> { ["marketing_email"] = true });
        var webhook = new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.Webhook, Url: new Uri(receiver.Url, "hook"), Retries: 3, RetryInterval: "PT1S");
        var journey = await harness.SaveAsync(Journey("promo", webhook) with { Purpose = "marketing_email" });
        await harness.DeliverAsync();
        // While the first attempt is answered 503, the person revokes consent (the change reaches the triggers too).
        receiver.OnCall = _ => harness.ChangeAsync("p1", p => p.SetConsent("marketing_email", new ProfileConsent(false, DateTimeOffset.UtcNow, "revoke-1")));

        var record = await harness.EndedAsync(await harness.StartAsync(journey, "p1"));

        Assert.Single(receiver.Calls);
        Assert.Equal(JourneyInstanceStatus.Exited, record.Status);
        Assert.StartsWith("consent", record.Reason, StringComparison.Ordinal);
    }

    /// <summary>Issue 17, item 5: an exit raised while a webhook waits for its next attempt ends the instance without it.</summary>
    [Fact]
    public async Task Webhook_ExitRaisedBetweenAttempts_IsNotSentAgain_AndTheInstanceExits()
    {
        await using var harness = await JourneyHarness.StartAsync();
        using var receiver = new WebhookReceiver(HttpStatusCode.ServiceUnavailable);
        await harness.ProfileAsync("p1", segments: "vip");
        var webhook = new JourneyStep(JourneyStep.ActionStep, Action: JourneyStep.Webhook, Url: new Uri(receiver.Url, "hook"), Retries: 3, RetryInterval: "PT1S");
        await harness.SaveAsync(Journey("care", webhook) with { Exit = new JourneyExit(SegmentExited: "vip") });
        receiver.OnCall = _ => harness.ChangeAsync("p1", p => p.Exit("vip", DateTimeOffset.UtcNow));

        // Enrolled by the feed (the profile is in the segment), then the profile leaves it during the first attempt.
        await harness.DeliverAsync();
        var record = await harness.EndedAsync("care:v1:p1:1");

        Assert.Single(receiver.Calls);
        Assert.Equal(JourneyInstanceStatus.Exited, record.Status);
        Assert.Equal("segmentExited", record.Reason);
    }

    /// <summary>Issue 17, item 5: the sender itself refuses a call for a purpose no longer granted, whoever calls it.</summary>
    [Fact]
    public async Task WebhookSender_RefusesACallWhosePurposeIsNotGranted_WithoutContactingTheReceiver()
    {
        await using var harness = await JourneyHarness.StartAsync();
        using var receiver = new WebhookReceiver();
        await harness.ProfileAsync("p1", consents: new Dictionary<string, bool> { ["marketing_email"] = false });
        await harness.ProfileAsync("p2", consents: new Dictionary<string, bool> { ["marketing_email"] = true });
        JourneyWebhook Call(string profileId) => new(new Uri(receiver.Url, "hook"), null, TimeSpan.FromSeconds(10), "promo", 1, profileId, $"promo:v1:{profileId}:1", "steps[0]", "marketing_email");

        Assert.Equal(new WebhookResult(0, ConsentAbsent: true), await harness.Sender.SendAsync(Call("p1"), CancellationToken.None));
        Assert.Empty(receiver.Calls);
        Assert.Equal(new WebhookResult(200), await harness.Sender.SendAsync(Call("p2"), CancellationToken.None));
        Assert.Single(receiver.Calls);
    }

    /// <summary>Issue 17, item 9: an orchestration failing for any reason (not only a failed activity) ends its record as failed.</summary>
    [Fact]
    public async Task AnOrchestrationFailure_OfAnyKind_EndsTheRecordAsFailed()
    {
        await using var harness = await JourneyHarness.StartAsync();
        await harness.ProfileAsync("p1");

        // Resumed at a step the definition does not have: the interpreter itself throws.
        var record = await harness.EndedAsync(await harness.StartAsync(Journey("lost", SetTrait("a", "b")), "p1", new JourneyResume("steps[9]", 1)));

        Assert.Equal(JourneyInstanceStatus.Failed, record.Status);
        Assert.StartsWith("failed: ", record.Reason, StringComparison.Ordinal);
        Assert.Equal("Failed", (await harness.Runtime.GetStatusAsync(record.InstanceId, CancellationToken.None))!.RuntimeStatus);
    }
}
