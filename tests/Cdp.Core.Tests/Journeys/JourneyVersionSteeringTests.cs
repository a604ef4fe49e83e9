using Cdp.Core.Changes;
using Cdp.Core.Consents;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Journeys;

/// <summary>
/// Issue 17, item 4: a running instance is steered by the version it started with (its segment exit, exit events,
/// consent purpose and awaited events), whatever later saves changed, and a deleted journey's running instances still
/// get their exits, while the deleted journey enrolls nobody.
/// </summary>
public sealed class JourneyVersionSteeringTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private readonly InMemoryJourneys _journeys = new();
    private readonly InMemorySegments _segments = new();
    private readonly RecordingJourneyRuntime _runtime = new();
    private readonly FakeTimeProvider _time = new(T0);
    private readonly JourneyCatalog _catalog;
    private readonly JourneyService _service;
    private readonly JourneyTriggers _triggers;

    public JourneyVersionSteeringTests()
    {
        _catalog = new JourneyCatalog(_journeys, _time);
        _service = new JourneyService(_journeys, _journeys, _segments, _catalog, Options.Create(new ConsentOptions()), _time);
        _triggers = new JourneyTriggers(_catalog, _journeys, _time, NullLogger<JourneyTriggers>.Instance);
    }

    public void Dispose() => _catalog.Dispose();

    /// <summary>Version 1 exits on leaving "trial", on "Unsubscribed" and on a denial of marketing e-mail, and waits for "Clicked".</summary>
    private static JourneyDefinition Steered() =>
        new("onboarding", "Onboarding", new JourneyTrigger(Event: "Signed Up"), [new JourneyStep(JourneyStep.WaitFor, Event: "Clicked", Timeout: "P7D")], JourneyReEntry.Once)
        {
            Exit = new JourneyExit(SegmentExited: "trial", Events: ["Unsubscribed"]),
            Purpose = "marketing_email",
        };

    /// <summary>Version 2 keeps the trigger and drops every exit, the purpose and the wait for "Clicked".</summary>
    private static JourneyDefinition Unsteered() =>
        new("onboarding", "Onboarding", new JourneyTrigger(Event: "Signed Up"), [new JourneyStep(JourneyStep.Wait, Duration: "P7D")], JourneyReEntry.Once);

    private async Task SaveAsync(JourneyDefinition definition)
    {
        await _segments.TryPutAsync(new SegmentDefinition("trial", "Trial", null, "text(\"plan\") == \"trial\"", SegmentStatus.Active, 1, T0), null, CancellationToken.None);
        var saved = await _service.PutAsync(definition.Id, definition, CancellationToken.None);
        Assert.True(saved.Journey is not null, string.Join("; ", saved.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        _time.Advance(TimeSpan.FromMinutes(1));
    }

    /// <summary>Hands the profile's pending change to the triggers and commits it.</summary>
    private async Task ChangeAsync(Profile profile, Action<Profile> change)
    {
        change(profile);
        var document = profile.ToDocument();
        await _triggers.OnProfileChangedAsync(new ProfileChange(profile.Id, document.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), document), new ProfileChangeContext(_runtime), CancellationToken.None);
        profile.Committed();
    }

    private static Profile SignedUp(string id, out Action<Profile> signUp)
    {
        var profile = new Profile(id, T0);
        signUp = p => p.Count("track:Signed Up", T0);
        return profile;
    }

    private string[] SignalsTo(string instanceId) =>
        [.. _runtime.Raised.Where(r => r.Instance == instanceId).Select(r => r.Name == JourneySignals.Exit ? "exit:" + r.Signal.Reason : r.Name)];

    [Fact]
    public async Task AnInstance_KeepsItsOwnVersionsExitsPurposeAndAwaitedEvents_AfterASaveDropsThem()
    {
        await SaveAsync(Steered());
        var early = SignedUp("p1", out var signUp);
        await ChangeAsync(early, signUp);
        await ChangeAsync(early, p => p.Enter("trial", T0));

        await SaveAsync(Unsteered());
        var late = SignedUp("p2", out signUp);
        await ChangeAsync(late, signUp);
        await ChangeAsync(late, p => p.Enter("trial", T0));
        Assert.Equal(["onboarding:v1:p1:1", "onboarding:v2:p2:1"], _runtime.Started);

        foreach (var profile in new[] { early, late })
        {
            await ChangeAsync(profile, p => p.Count("track:Clicked", T0.AddHours(1)));
            await ChangeAsync(profile, p => p.Exit("trial", T0.AddHours(2)));
            await ChangeAsync(profile, p => p.Count("track:Unsubscribed", T0.AddHours(3)));
            await ChangeAsync(profile, p => p.SetConsent("marketing_email", new ProfileConsent(false, T0.AddHours(4), "m-" + p.Id)));
        }

        Assert.Equal(["cdp.event.Clicked", "exit:segmentExited", "exit:event:Unsubscribed", "exit:consentRevoked"], SignalsTo("onboarding:v1:p1:1"));
        Assert.Empty(SignalsTo("onboarding:v2:p2:1"));
    }

    [Fact]
    public async Task ADeletedJourney_EnrollsNobody_ButItsRunningInstancesStillGetConsentAndMergeExits()
    {
        await SaveAsync(Steered());
        var revoking = SignedUp("p1", out var signUp);
        await ChangeAsync(revoking, signUp);
        var merging = SignedUp("p2", out signUp);
        await ChangeAsync(merging, signUp);

        Assert.True(await _service.DeleteAsync("onboarding", CancellationToken.None));
        Assert.Null(await _service.GetAsync("onboarding", CancellationToken.None));
        Assert.Empty(await _service.ListAsync(CancellationToken.None));
        Assert.False(await _service.DeleteAsync("onboarding", CancellationToken.None));

        await ChangeAsync(revoking, p => p.SetConsent("marketing_email", new ProfileConsent(false, T0.AddHours(1), "m1")));
        await ChangeAsync(merging, p => p.RedirectTo("p0"));
        var newcomer = SignedUp("p3", out signUp);
        await ChangeAsync(newcomer, signUp);

        Assert.Equal(["onboarding:v1:p1:1", "onboarding:v1:p2:1"], _runtime.Started);
        Assert.Equal(["exit:consentRevoked"], SignalsTo("onboarding:v1:p1:1"));
        Assert.Equal(["exit:merged"], SignalsTo("onboarding:v1:p2:1"));
    }

    [Fact]
    public async Task SavingADeletedJourneyAgain_CreatesTheNextVersion_AndTheDeletedVersionStillSteersItsInstances()
    {
        await SaveAsync(Steered());
        var early = SignedUp("p1", out var signUp);
        await ChangeAsync(early, signUp);
        await _service.DeleteAsync("onboarding", CancellationToken.None);

        var again = await _service.PutAsync("onboarding", Unsteered(), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.True(again.Created);
        Assert.Equal(2, again.Journey!.Version);
        Assert.Null(again.Journey.Earlier);
        Assert.Equal(again.Journey, await _service.GetAsync("onboarding", CancellationToken.None));
        await ChangeAsync(early, p => p.Count("track:Unsubscribed", T0.AddHours(1)));
        Assert.Equal(["exit:event:Unsubscribed"], SignalsTo("onboarding:v1:p1:1"));
    }

    [Fact]
    public async Task StoredHistory_CannotBeSetThroughTheApi_AndGrowsOnlyWhenWhatSteersChanges()
    {
        var forged = Steered() with { Earlier = [new JourneySteering(1, 9, SegmentExited: "forged")], DeletedAt = T0 };
        await SaveAsync(forged);
        var first = (await _journeys.GetAsync("onboarding", CancellationToken.None))!.Definition;
        Assert.Equal((1L, null, null), (first.Version, first.Earlier, first.DeletedAt));
        Assert.NotNull(await _service.GetAsync("onboarding", CancellationToken.None));

        await SaveAsync(Steered() with { Name = "Renamed" });
        await SaveAsync(Steered() with { Name = "Renamed again" });
        await SaveAsync(Unsteered());

        var stored = (await _journeys.GetAsync("onboarding", CancellationToken.None))!.Definition;
        Assert.Equal(4, stored.Version);
        var earlier = Assert.Single(stored.Earlier!);
        Assert.Equal((1, 3, "trial", "marketing_email"), (earlier.From, earlier.To, earlier.SegmentExited, earlier.Purpose));
    }
}
