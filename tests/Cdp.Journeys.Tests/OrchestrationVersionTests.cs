using System.Net;
using System.Text.Json.Nodes;
using Cdp.Core.Journeys;
using Cdp.Journeys.Tests.Releases;
using Cdp.Testing;

namespace Cdp.Journeys.Tests;

/// <summary>
/// Orchestration versioning: instances started on today's version run every action as a plugin, and an instance
/// started by the release before versioning (its frozen orchestrator, no version) finishes on today's code after an
/// upgrade in the middle of its run, its history replayed without a nondeterminism failure.
/// </summary>
public class OrchestrationVersionTests
{
    private static JourneyDefinition Journey(string id, params JourneyStep[] steps) => new(id, id, new JourneyTrigger(SegmentEntered: "vip"), steps);

    private static JourneyStep[] Actions(Uri hook) =>
    [
        new(JourneyStep.ActionStep, Action: JourneyStep.SetTrait, Trait: "stage", Value: JsonValue.Create("welcomed")),
        new(JourneyStep.WaitFor, Event: "Go", Timeout: "P1D"),
        new(JourneyStep.ActionStep, Action: JourneyStep.AddTag, Tag: "vip"),
        new(JourneyStep.ActionStep, Action: JourneyStep.Webhook, Url: hook, Retries: 2, RetryInterval: "PT1S"),
    ];

    private static async Task GoAsync(JourneyHarness harness, string instance)
    {
        await harness.AtStepAsync(instance, "steps[1]");
        Assert.True(await harness.Runtime.RaiseAsync(instance, JourneySignals.ForEvent("Go"), new JourneySignal(DateTimeOffset.UtcNow, Id: "go-" + instance), CancellationToken.None));
    }

    private static async Task AssertDoneAsync(JourneyHarness harness, string instance, string profileId)
    {
        var record = await harness.EndedAsync(instance);
        Assert.Equal(JourneyInstanceStatus.Completed, record.Status);
        var profile = (await harness.Stores.GetAsync(profileId, CancellationToken.None))!.Profile;
        Assert.Equal("welcomed", profile.Traits["stage"].Value!.GetValue<string>());
        Assert.Equal("""["vip"]""", profile.Traits["tags"].Value!.ToJsonString());
    }

    [Fact]
    public async Task CurrentInstances_RunEveryAction_BuiltInOrNot_AsAPluginTriedAsItsStepSays()
    {
        await using var harness = await JourneyHarness.StartAsync();
        using var receiver = new WebhookReceiver(HttpStatusCode.ServiceUnavailable);
        await harness.ProfileAsync("p1");
        var flaky = new JourneyStep(JourneyStep.ActionStep, Action: "flaky", Retries: 3, RetryInterval: "PT1S") { Extra = new() { ["failures"] = System.Text.Json.JsonDocument.Parse("2").RootElement } };
        var journey = await harness.SaveAsync(Journey("now", [.. Actions(new Uri(receiver.Url, "hook")), flaky]));

        var instance = await harness.StartAsync(journey, "p1");
        await GoAsync(harness, instance);

        await AssertDoneAsync(harness, instance, "p1");
        Assert.Equal([503, 200], receiver.Calls.Select(c => c.AnsweredStatus));
        Assert.Equal(3, harness.Flaky.Attempts[instance + "/steps[4]"]);
        Assert.Equal(
            ["JourneyRunAction:setTrait", "JourneyRunAction:addTag", "JourneyRunAction:webhook", "JourneyRunAction:webhook", "JourneyRunAction:flaky", "JourneyRunAction:flaky", "JourneyRunAction:flaky"],
            harness.Ran);
    }

    [Fact]
    public async Task AnInstanceStartedBeforeVersioning_CompletesOnTodaysCode_AfterAnUpgradeMidRun()
    {
        await using var harness = await JourneyHarness.StartAsync();
        using var receiver = new WebhookReceiver();
        await harness.ProfileAsync("p1");
        await harness.ProfileAsync("p2");
        var journey = await harness.SaveAsync(Journey("upgrade", Actions(new Uri(receiver.Url, "hook"))));
        harness.Deployed = JourneyOrchestratorBeforeVersioning.RunAsync; // the release before

        var old = await harness.StartUnversionedAsync(journey, "p1");
        await harness.AtStepAsync(old, "steps[1]"); // its setTrait ran on the old release; now it waits
        harness.Deployed = JourneyOrchestrator.RunAsync; // the upgrade
        await GoAsync(harness, old);
        await AssertDoneAsync(harness, old, "p1");
        var oldRan = harness.Ran.ToArray();

        var started = await harness.StartAsync(journey, "p2");
        await GoAsync(harness, started);
        await AssertDoneAsync(harness, started, "p2");

        // The old instance kept its own activities after the upgrade; the new one runs actions as plugins.
        Assert.Equal([JourneyActivityNames.ChangeProfile, JourneyActivityNames.ChangeProfile, JourneyActivityNames.Webhook], oldRan);
        Assert.Equal(["JourneyRunAction:setTrait", "JourneyRunAction:addTag", "JourneyRunAction:webhook"], harness.Ran.Skip(oldRan.Length));
        Assert.Equal(2, receiver.Calls.Count);
    }
}
