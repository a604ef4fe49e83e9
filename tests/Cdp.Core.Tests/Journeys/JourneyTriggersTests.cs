using Cdp.Core.Changes;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Journeys;

/// <summary>Enrollment, events and exits from profile changes, with a runtime that records what it is asked.</summary>
public class JourneyTriggersTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly InMemoryJourneys _journeys = new();
    private readonly RecordingJourneyRuntime _runtime = new();
    private readonly FakeTimeProvider _time = new(T0);

    private async Task<JourneyTriggers> TriggersAsync(params JourneyDefinition[] journeys)
    {
        foreach (var journey in journeys)
        {
            await _journeys.TryPutAsync(journey, null, CancellationToken.None);
        }

        return new JourneyTriggers(new JourneyCatalog(_journeys, _time), _journeys, _time, NullLogger<JourneyTriggers>.Instance);
    }

    private static JourneyDefinition Journey(string id, JourneyTrigger trigger, string reEntry = JourneyReEntry.Once) =>
        new(id, id, trigger, [new JourneyStep(JourneyStep.Wait, Duration: "P1D")], reEntry);

    private Task HandleAsync(JourneyTriggers triggers, ProfileChange change) =>
        triggers.OnProfileChangedAsync(change, new ProfileChangeContext(_runtime), CancellationToken.None);

    private static ProfileChange Change(Profile profile) => new(profile.Id, profile.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), profile.ToDocument());

    [Fact]
    public async Task EventTrigger_WithRule_EnrollsOnlyProfilesThatMeetIt()
    {
        var triggers = await TriggersAsync(Journey("big-spender", new JourneyTrigger(Event: "Order Completed", Rule: "count(\"Order Completed\") >= 2")));
        var profile = new Profile("p1", T0);
        profile.Count("track:Order Completed", T0);

        await HandleAsync(triggers, Change(profile));
        Assert.Empty(_runtime.Started);

        profile.Count("track:Order Completed", T0.AddHours(1));
        await HandleAsync(triggers, Change(profile));
        Assert.Equal(["big-spender:v1:p1:1"], _runtime.Started);
        Assert.Equal("event:Order Completed:1", Assert.Single(_journeys.Instances).Trigger);
    }

    [Fact]
    public async Task AfterMissedVersions_EveryEntryAndEventSinceEnrolls_Once_AndAJourneySavedLaterDoesNot()
    {
        var triggers = await TriggersAsync(
            Journey("thanks", new JourneyTrigger(Event: "Order Completed")),
            Journey("late", new JourneyTrigger(Event: "Order Completed")) with { UpdatedAt = T0.AddHours(1) },
            Journey("welcome-vip", new JourneyTrigger(SegmentEntered: "vip")),
            Journey("trial-tips", new JourneyTrigger(SegmentEntered: "trial")) with { Exit = new JourneyExit(SegmentExited: "trial") });
        var profile = new Profile("p1", T0);
        profile.Count("track:Order Completed", T0);
        profile.Committed();
        profile.Enter("vip", T0.AddMinutes(1));
        profile.Committed();
        profile.Enter("trial", T0.AddMinutes(2));
        profile.Committed();
        profile.Exit("trial", T0.AddMinutes(3));

        // Only version 4 reaches a consumer that does not know what it handled before (0: after a restart).
        await HandleAsync(triggers, Change(profile) with { MissedAfter = 0 });
        await HandleAsync(triggers, Change(profile) with { MissedAfter = 0 });
        await HandleAsync(triggers, Change(profile));

        Assert.Equal(["thanks:v1:p1:1", "trial-tips:v1:p1:1", "welcome-vip:v1:p1:1"], _runtime.Started.Order(StringComparer.Ordinal));
        Assert.Equal(["event:Order Completed:1", "segment:trial:3", "segment:vip:2"], _journeys.Instances.Select(i => i.Trigger).Order(StringComparer.Ordinal));
        Assert.Contains(_runtime.Raised, r => r.Instance == "trial-tips:v1:p1:1" && r.Name == JourneySignals.Exit && r.Signal.Reason == "segmentExited");
    }

    [Fact]
    public async Task AfterMissedVersions_AnOldExitEvent_DoesNotEndAnInstanceEnrolledLater()
    {
        var cart = Journey("cart", new JourneyTrigger(Event: "Cart Updated")) with { Exit = new JourneyExit(Events: ["Order Completed"]) };
        var triggers = await TriggersAsync(cart);
        var profile = new Profile("p1", T0);
        profile.Count("track:Order Completed", T0);
        profile.Committed();
        profile.Count("track:Cart Updated", T0.AddDays(1));
        await HandleAsync(triggers, Change(profile));

        await HandleAsync(triggers, Change(profile) with { MissedAfter = 0 });

        Assert.Equal(["cart:v1:p1:1"], _runtime.Started);
        Assert.DoesNotContain(_runtime.Raised, r => r.Name == JourneySignals.Exit);
    }

    [Fact]
    public async Task ATriggerConditionThatThrows_EnrollsNobody_AndTheOtherJourneysGoOn()
    {
        var triggers = await TriggersAsync(
            Journey("broken", new JourneyTrigger(Event: "Order Completed", Rule: "text(\"plan\").StartsWith(null)")),
            Journey("thanks", new JourneyTrigger(Event: "Order Completed")));
        var profile = new Profile("p1", T0);
        profile.Count("track:Order Completed", T0);

        await HandleAsync(triggers, Change(profile));

        Assert.Equal(["thanks:v1:p1:1"], _runtime.Started);
    }

    [Fact]
    public async Task AfterExit_EnrollsAgainOnlyOnceThePreviousRunEnded()
    {
        var triggers = await TriggersAsync(Journey("again", new JourneyTrigger(Event: "Visited"), JourneyReEntry.AfterExit));
        var profile = new Profile("p1", T0);
        profile.Count("track:Visited", T0);
        await HandleAsync(triggers, Change(profile));
        await HandleAsync(triggers, Change(profile) with { Profile = profile.ToDocument() with { Version = 2 } });
        Assert.Single(_runtime.Started);

        var first = (await _journeys.GetAsync("again", "again:v1:p1:1", CancellationToken.None))!;
        await _journeys.TryReplaceAsync(first.Instance with { Status = JourneyInstanceStatus.Completed }, first.VersionTag, CancellationToken.None);
        await HandleAsync(triggers, Change(profile) with { Profile = profile.ToDocument() with { Version = 3 } });
        Assert.Equal(["again:v1:p1:1", "again:v1:p1:2"], _runtime.Started);
    }

    [Fact]
    public async Task AWaitedEvent_IsRaisedToRunningInstances_WithTheChangeAsItsId()
    {
        var waiting = Journey("nudge", new JourneyTrigger(Event: "Signed Up")) with
        {
            Steps = [new JourneyStep(JourneyStep.WaitFor, Event: "Clicked", Timeout: "P1D")],
        };
        var triggers = await TriggersAsync(waiting);
        var profile = new Profile("p1", T0);
        profile.Count("track:Signed Up", T0);
        await HandleAsync(triggers, Change(profile));
        var next = Profile.FromDocument(profile.ToDocument() with { Version = 2, ChangedPaths = null });
        next.Count("track:Clicked", T0);

        var clicked = Change(next);
        await HandleAsync(triggers, clicked);

        var (instance, name, signal) = Assert.Single(_runtime.Raised);
        Assert.Equal(("nudge:v1:p1:1", "cdp.event.Clicked", $"p1:{clicked.Profile.Version}"), (instance, name, signal.Id));
    }

    [Fact]
    public async Task MergedAway_ExitsTheProfilesRunningInstances()
    {
        var triggers = await TriggersAsync(Journey("welcome", new JourneyTrigger(Event: "Signed Up")));
        var profile = new Profile("p1", T0);
        profile.Count("track:Signed Up", T0);
        await HandleAsync(triggers, Change(profile));
        var merged = Profile.FromDocument(profile.ToDocument() with { Version = 2, ChangedPaths = null });
        merged.RedirectTo("p0");

        await HandleAsync(triggers, Change(merged));

        var (instance, name, signal) = Assert.Single(_runtime.Raised);
        Assert.Equal(("welcome:v1:p1:1", JourneySignals.Exit, "merged"), (instance, name, signal.Reason));
    }

    [Fact]
    public async Task DeletedOrUnchangedProfiles_AndNoJourneys_DoNothing()
    {
        var none = await TriggersAsync();
        var profile = new Profile("p1", T0);
        profile.Count("track:Signed Up", T0);
        await HandleAsync(none, Change(profile));
        await HandleAsync(none, new ProfileChange("p2", "3", ProfileDocument.Tombstone("p2", 2, T0)));

        Assert.Empty(_runtime.Started);
        Assert.Empty(_runtime.Raised);
    }

    /// <summary>
    /// Issue 17, item 13: an instance enrolled after an erasure ended the person's journeys (a change handled late)
    /// is ended by the profile's deletion, which reaches the feed after every earlier change of it: terminated,
    /// purged and its record deleted, as the erasure does.
    /// </summary>
    [Fact]
    public async Task ATombstone_EndsAndDeletesEveryInstanceOfTheProfile()
    {
        var triggers = await TriggersAsync(Journey("welcome-vip", new JourneyTrigger(SegmentEntered: "vip")));
        var profile = new Profile("p1", T0);
        profile.Enter("vip", T0);
        await HandleAsync(triggers, Change(profile));
        Assert.Equal(["welcome-vip:v1:p1:1"], _runtime.Started);

        var tombstone = ProfileDocument.Tombstone("p1", profile.Version, T0.AddMinutes(5));
        await HandleAsync(triggers, new ProfileChange("p1", "t", tombstone));

        Assert.Equal(["welcome-vip:v1:p1:1"], _runtime.Terminated);
        Assert.Equal(["welcome-vip:v1:p1:1"], _runtime.Purged);
        Assert.Empty(_journeys.Instances);
    }
}
