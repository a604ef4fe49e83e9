using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.Journeys;
using Cdp.Core.Journeys.Actions;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cdp.Journeys.Tests;

/// <summary>
/// The journey orchestrator on the in-process Durable Task host (real timers, real external events), with its
/// activities over the domain in memory: profiles, journey records, a real HTTP client for webhooks, and the
/// change-feed triggers that enroll, raise events and exits.
/// </summary>
internal sealed class JourneyHarness : IAsyncDisposable
{
    public const string WebhookKey = "d2ViaG9vay10ZXN0LWtleS13ZWJob29rLXRlc3Qta2V5IQ==";
    private static readonly DateTimeOffset Seen = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
    private readonly ServiceProvider _http;
    private readonly DurableTaskTestHost _host;

    private JourneyHarness(DurableTaskTestHost host, ServiceProvider http, InMemoryStores stores, InMemoryJourneys journeys)
    {
        _host = host;
        _http = http;
        Stores = stores;
        Journeys = journeys;
        Runtime = new DurableJourneyRuntime(host.Client);
        Catalog = new JourneyCatalog(journeys, TimeProvider.System);
        Triggers = new JourneyTriggers(Catalog, journeys, TimeProvider.System, NullLogger<JourneyTriggers>.Instance);
    }

    public InMemoryStores Stores { get; }

    public InMemoryJourneys Journeys { get; }

    public DurableJourneyRuntime Runtime { get; }

    public DurableTaskClient Client => _host.Client;

    public JourneyCatalog Catalog { get; }

    public JourneyTriggers Triggers { get; }

    /// <summary>The webhook sender the host's webhook activity calls.</summary>
    public WebhookSender Sender { get; private init; } = null!;

    /// <summary>The action activities run, in order (<c>JourneyRunAction:NAME</c>, <c>JourneyChangeProfile</c>, <c>JourneyWebhook</c>).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Ran { get; } = new();

    /// <summary>The orchestrator the host runs as <see cref="JourneyOrchestrator.Name"/>: the current one, or an earlier release's (an upgrade swaps it).</summary>
    public Func<TaskOrchestrationContext, JourneyRun, Task<JourneyOutcome>> Deployed { get; set; } = JourneyOrchestrator.RunAsync;

    /// <summary>The test plugin that fails its first attempts (<see cref="FlakyAction"/>).</summary>
    public FlakyAction Flaky { get; private init; } = null!;

    public static async Task<JourneyHarness> StartAsync()
    {
        var stores = new InMemoryStores();
        var journeys = new InMemoryJourneys();
        WebhookSender? sender = null;
        JourneyHarness? harness = null;
        var flaky = new FlakyAction();
        var actions = JourneyActions.BuiltIn(new JourneyProfileWriter(stores, TestDomain.Policy(), TimeProvider.System), null, flaky);
        actions = new JourneyActions([new WebhookAction(() => sender), .. actions.All.Skip(1)]);
        var activities = new JourneyActivities(stores, journeys, TestDomain.Policy(), TimeProvider.System, actions);
        var http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        sender = new WebhookSender(http.GetRequiredService<IHttpClientFactory>(), activities, Options.Create(new JourneyOptions { WebhookSecret = WebhookKey }), TimeProvider.System, NullLogger<WebhookSender>.Instance);
        var host = await DurableTaskTestHost.StartAsync(registry =>
        {
            registry.AddOrchestratorFunc<JourneyRun, JourneyOutcome>(JourneyOrchestrator.Name, (context, run) => harness!.Deployed(context, run));
            registry.AddActivityFunc<JourneyQuestion, JourneyAnswer>(JourneyActivityNames.Ask, (_, q) => activities.AskAsync(q, CancellationToken.None));
            registry.AddActivityFunc<JourneyReport, bool>(JourneyActivityNames.Record, async (_, r) =>
            {
                await activities.RecordAsync(r, CancellationToken.None);
                return true;
            });
            registry.AddActivityFunc<JourneyProfileChange, string>(JourneyActivityNames.ChangeProfile, (_, c) =>
            {
                harness!.Ran.Enqueue(JourneyActivityNames.ChangeProfile);
                return activities.ChangeProfileAsync(c, CancellationToken.None);
            });
            registry.AddActivityFunc<JourneyWebhook, WebhookResult>(JourneyActivityNames.Webhook, (_, w) =>
            {
                harness!.Ran.Enqueue(JourneyActivityNames.Webhook);
                return sender.SendAsync(w, CancellationToken.None);
            });
            registry.AddActivityFunc<JourneyActionCall, JourneyActionOutcome>(JourneyActivityNames.RunAction, (_, a) =>
            {
                harness!.Ran.Enqueue(JourneyActivityNames.RunAction + ":" + a.Action);
                return activities.RunActionAsync(a, CancellationToken.None);
            });
        }, new DurableTaskTestHostOptions { Port = LoopbackPort.Free() });
        harness = new JourneyHarness(host, http, stores, journeys) { Sender = sender, Flaky = flaky };
        return harness;
    }

    /// <summary>Saves a profile with traits, consents and segments as given.</summary>
    public async Task<string> ProfileAsync(string id, IReadOnlyDictionary<string, JsonNode?>? traits = null, IReadOnlyDictionary<string, bool>? consents = null, params string[] segments)
    {
        var profile = new Profile(id, Seen);
        foreach (var (name, value) in traits ?? new Dictionary<string, JsonNode?>())
        {
            profile.SetTrait(name, new Trait(value, Seen, "m-" + name), TestDomain.Policy());
        }

        foreach (var (purpose, granted) in consents ?? new Dictionary<string, bool>())
        {
            profile.SetConsent(purpose, new ProfileConsent(granted, Seen, "m-" + purpose));
        }

        foreach (var segment in segments)
        {
            profile.Enter(segment, Seen);
        }

        await Stores.TryCreateAsync(profile, CancellationToken.None);
        return id;
    }

    /// <summary>Changes the stored profile, then hands the feed's new changes to the journey triggers.</summary>
    public async Task ChangeAsync(string id, Action<Profile> change)
    {
        var stored = (await Stores.GetAsync(id, CancellationToken.None))!;
        change(stored.Profile);
        Assert.NotNull(await Stores.TryReplaceAsync(stored.Profile, stored.VersionTag, CancellationToken.None));
        await DeliverAsync();
    }

    /// <summary>Hands every change not handed yet to the journey triggers (and checkpoints).</summary>
    public async Task<IReadOnlyList<ProfileChange>> DeliverAsync()
    {
        var batch = await Stores.ReadAsync("journeys", 1000, CancellationToken.None);
        foreach (var change in batch.Changes)
        {
            await Triggers.OnProfileChangedAsync(change, new ProfileChangeContext(Runtime), CancellationToken.None);
        }

        await Stores.CheckpointAsync("journeys", batch, CancellationToken.None);
        return batch.Changes;
    }

    public async Task<JourneyDefinition> SaveAsync(JourneyDefinition journey)
    {
        var saved = journey with { UpdatedAt = Seen };
        Assert.NotNull(await Journeys.TryPutAsync(saved, null, CancellationToken.None));
        Catalog.Invalidate();
        return saved;
    }

    /// <summary>Starts <paramref name="journey"/> for <paramref name="profileId"/> with a record, as an enrollment does.</summary>
    public async Task<string> StartAsync(JourneyDefinition journey, string profileId, JourneyResume? resume = null)
    {
        var id = JourneyInstance.IdFor(journey.Id, journey.Version, profileId, 1);
        Assert.True(await Journeys.TryCreateAsync(new JourneyInstance(id, journey.Id, journey.Version, profileId, 1, "test", JourneyInstanceStatus.Pending, Seen), CancellationToken.None));
        Assert.True(await Runtime.StartAsync(id, new JourneyRun(journey, profileId, 1, resume), CancellationToken.None));
        return id;
    }

    /// <summary>Starts <paramref name="journey"/> with a record as releases before orchestration versioning did: no version.</summary>
    public async Task<string> StartUnversionedAsync(JourneyDefinition journey, string profileId)
    {
        var id = JourneyInstance.IdFor(journey.Id, journey.Version, profileId, 1);
        Assert.True(await Journeys.TryCreateAsync(new JourneyInstance(id, journey.Id, journey.Version, profileId, 1, "test", JourneyInstanceStatus.Pending, Seen), CancellationToken.None));
        await Client.ScheduleNewOrchestrationInstanceAsync(JourneyOrchestrator.Name, new JourneyRun(journey, profileId, 1), new StartOrchestrationOptions(id));
        return id;
    }

    /// <summary>Waits for the instance to end (guarded against a hang), then returns its record.</summary>
    public async Task<JourneyInstance> EndedAsync(string instanceId)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await Client.WaitForInstanceCompletionAsync(instanceId, guard.Token);
        }
        catch (OperationCanceledException)
        {
            var state = await Client.GetInstanceAsync(instanceId, true, CancellationToken.None);
            throw new InvalidOperationException($"Instance '{instanceId}' did not end: {state?.RuntimeStatus}, custom status {state?.SerializedCustomStatus}, record {System.Text.Json.JsonSerializer.Serialize(Record(instanceId))}.");
        }

        return Record(instanceId);
    }

    /// <summary>Waits (guarded) until the instance's record shows it at <paramref name="step"/>.</summary>
    public async Task AtStepAsync(string instanceId, string step)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (Record(instanceId).Step != step)
        {
            await Task.Delay(20, guard.Token);
        }
    }

    public JourneyInstance Record(string instanceId) => Journeys.Instances.Single(i => i.InstanceId == instanceId);

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _http.Dispose();
        Catalog.Dispose();
    }
}
