using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.Destinations;
using Cdp.Core.Events;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Cdp.Core.Sources;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Destinations;

/// <summary>
/// What a destination is handed, on its own: event filters and Segment's <c>integrations</c> switch, the consent
/// purpose (the message's own decision first, then the person's), personal data left out unless allowed, the mapping
/// (a drop counts as filtered, a failure is kept for a dead letter), and audience items from a change or from the
/// state when the feed skipped versions.
/// </summary>
public class DestinationItemsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly InMemoryStores _stores = new();
    private readonly DestinationItems _items;

    public DestinationItemsTests() => _items = new DestinationItems(TestDomain.Reader(_stores), Options.Create(new PrivacyOptions()), new FakeTimeProvider(T0.AddHours(1)));

    private static Message Track(string id, string name, string source = "web", string userId = "u1", JsonObject? context = null, JsonObject? integrations = null) => new()
    {
        MessageId = id,
        Type = MessageType.Track,
        Event = name,
        SourceId = source,
        UserId = userId,
        Properties = new JsonObject { ["email"] = "ada@example.com", ["price"] = 9 },
        Context = context,
        Integrations = integrations,
        Timestamp = T0,
    };

    private static string[] Ids(SelectedItems selected) => [.. selected.Items.Select(i => i["messageId"]!.GetValue<string>())];

    [Fact]
    public async Task Events_PassTheFilterAndTheIntegrationsSwitch_TheRestAreCountedAsFiltered()
    {
        var destination = new DestinationDefinition { Id = "crm", Name = "CRM", Type = "webhook", Events = new() { Sources = ["web"], Types = ["track"], Names = ["Bought"] } };
        Message[] messages =
        [
            Track("m1", "Bought"),
            Track("m2", "Viewed"),
            Track("m3", "Bought", source: "app"),
            Track("m4", "Bought", integrations: new JsonObject { ["All"] = false }),
            Track("m5", "Bought", integrations: new JsonObject { ["All"] = false, ["CRM"] = true }),
            Track("m6", "Bought", integrations: new JsonObject { ["crm"] = false, ["All"] = true }),
            new() { MessageId = "m7", Type = MessageType.Identify, SourceId = "web", UserId = "u1", Timestamp = T0 },
        ];

        var selected = await _items.FromMessagesAsync(destination, messages, CancellationToken.None);

        Assert.Equal(["m1", "m5"], Ids(selected));
        Assert.Equal(5, selected.Filtered);
        Assert.Equal(0, selected.Withheld);
    }

    [Fact]
    public async Task APurpose_SendsOnlyWhoGrantsIt_TheMessagesOwnDecisionFirst()
    {
        JsonObject Consent(bool granted) => new() { ["consent"] = new JsonObject { ["categoryPreferences"] = new JsonObject { ["marketing_email"] = granted } } };
        await TestDomain.Ingest(_stores).ProcessAsync(
            [new Message { MessageId = "id1", Type = MessageType.Identify, SourceId = "web", UserId = "u1", Context = Consent(true), Timestamp = T0 }],
            CancellationToken.None);
        var destination = new DestinationDefinition { Id = "crm", Name = "CRM", Type = "webhook", Events = new(), Purpose = "marketing_email" };

        var selected = await _items.FromMessagesAsync(
            destination,
            [Track("m1", "Bought"), Track("m2", "Bought", context: Consent(false)), Track("m3", "Bought", userId: "stranger"), Track("m4", "Bought", userId: "stranger", context: Consent(true))],
            CancellationToken.None);

        Assert.Equal(["m1", "m4"], Ids(selected));
        Assert.Equal(2, selected.Withheld);
    }

    [Fact]
    public async Task PersonalData_LeavesOnlyWhenAllowed_BeforeTheMappingCanMoveIt()
    {
        var mapping = new List<TransformStep> { new() { Op = "copy", From = "properties.email", To = "properties.contact" } };
        var closed = new DestinationDefinition { Id = "a", Name = "A", Type = "webhook", Events = new(), Mapping = mapping };
        var open = new DestinationDefinition { Id = "b", Name = "B", Type = "webhook", Events = new(), Mapping = mapping, PersonalData = ["email"] };

        var withheld = (await _items.FromMessagesAsync(closed, [Track("m1", "Bought")], CancellationToken.None)).Items.Single();
        var allowed = (await _items.FromMessagesAsync(open, [Track("m1", "Bought")], CancellationToken.None)).Items.Single();

        Assert.Equal("""{"price":9}""", withheld["properties"]!.ToJsonString());
        Assert.Equal("ada@example.com", allowed["properties"]!["contact"]!.GetValue<string>());
        Assert.Null(withheld["profileId"]);
    }

    [Fact]
    public async Task AMappingThatDrops_CountsAsFiltered_OneThatFails_IsKeptForADeadLetter()
    {
        var destination = new DestinationDefinition
        {
            Id = "a", Name = "A", Type = "webhook", Events = new(),
            Mapping = [new() { Op = "dropIf", Path = "event", In = ["Viewed"] }, new() { Op = "coerce", Path = "properties.note", To = "number" }],
        };
        var noted = Track("m3", "Bought") with { Properties = new JsonObject { ["note"] = "soon" } };

        var selected = await _items.FromMessagesAsync(destination, [Track("m1", "Bought"), Track("m2", "Viewed"), noted], CancellationToken.None);

        Assert.Equal(["m1"], Ids(selected));
        Assert.Equal(1, selected.Filtered);
        var (item, problem) = Assert.Single(selected.Unmappable);
        Assert.Equal("m3", item["messageId"]!.GetValue<string>());
        Assert.StartsWith("mapping[1]", problem, StringComparison.Ordinal);
    }

    private static ProfileChange Change(Action<Profile> change, long? missedAfter = null)
    {
        var profile = new Profile("p1", T0);
        profile.Link(new Identifier(Cdp.Core.Identity.IdentityDefaults.UserId, "u1"), T0);
        profile.SetTrait("email", new Trait(JsonValue.Create("ada@example.com"), T0, "m0", "web"), TestDomain.Policy());
        profile.SetConsent("marketing_email", new ProfileConsent(true, T0, "m0"));
        profile.Enter("gone", T0);
        profile.Committed();
        change(profile);
        return new ProfileChange("p1", "v", profile.ToDocument()) { MissedAfter = missedAfter };
    }

    [Fact]
    public void Audiences_EntriesExitsAndChosenTraits_BecomeItems_WithStableIds()
    {
        var destination = new DestinationDefinition
        {
            Id = "crm", Name = "CRM", Type = "hubspot", PersonalData = ["email"],
            Audiences = new() { Segments = ["pro", "gone"], Traits = ["plan"], Names = new() { ["pro"] = "17" } },
        };
        var change = Change(p =>
        {
            p.Enter("pro", T0.AddMinutes(1));
            p.Exit("gone", T0.AddMinutes(1));
            p.Enter("other", T0.AddMinutes(1));
            p.SetTrait("plan", new Trait(JsonValue.Create("pro"), T0.AddMinutes(1), "m1", "web"), TestDomain.Policy());
        });

        var selected = _items.FromChange(destination, change);
        var again = _items.FromChange(destination, change);

        var entered = selected.Items.Single(i => i["status"]?.GetValue<string>() == "entered");
        var exited = selected.Items.Single(i => i["status"]?.GetValue<string>() == "exited");
        var identify = selected.Items.Single(i => i["type"]!.GetValue<string>() == "identify");
        Assert.Equal(3, selected.Items.Count);
        Assert.Equal(("pro", "17", "ada@example.com", "u1"), (entered["segment"]!.GetValue<string>(), entered["audience"]!.GetValue<string>(), entered["email"]!.GetValue<string>(), entered["userId"]!.GetValue<string>()));
        Assert.Equal("gone", exited["segment"]!.GetValue<string>());
        Assert.Equal("""{"plan":"pro"}""", identify["traits"]!.ToJsonString());
        Assert.Equal(Ids(selected), Ids(again));
    }

    [Fact]
    public void Audiences_WithoutTheConsentOrTheEmailAllowed_AreWithheldOrLeaveTheEmailOut()
    {
        var withPurpose = new DestinationDefinition { Id = "a", Name = "A", Type = "hubspot", Purpose = "marketing_sms", Audiences = new() { Segments = ["pro"] } };
        var noEmail = new DestinationDefinition { Id = "b", Name = "B", Type = "hubspot", Audiences = new() { Segments = ["pro"] } };
        var change = Change(p => p.Enter("pro", T0.AddMinutes(1)));

        var withheld = _items.FromChange(withPurpose, change);
        var sent = _items.FromChange(noEmail, change);

        Assert.Empty(withheld.Items);
        Assert.Equal(1, withheld.Withheld);
        Assert.Null(Assert.Single(sent.Items)["email"]);
    }

    /// <summary>A change after skipped versions: the transitions after the last one seen, read from the state.</summary>
    [Fact]
    public void Audiences_AfterSkippedVersions_AreReadFromTheState()
    {
        var destination = new DestinationDefinition { Id = "a", Name = "A", Type = "webhook", Audiences = new() { Segments = ["pro", "gone"], Traits = ["email"] }, PersonalData = ["email"] };
        var before = Change(_ => { });
        var change = Change(p => p.Exit("gone", T0.AddMinutes(2)), missedAfter: before.Profile.Version);
        var stale = Change(p => p.Exit("gone", T0.AddMinutes(2)), missedAfter: change.Profile.Version);

        var selected = _items.FromChange(destination, change);

        Assert.Equal(["exited"], selected.Items.Where(i => i["type"]!.GetValue<string>() == "audience").Select(i => i["status"]!.GetValue<string>()));
        Assert.Equal("""{"email":"ada@example.com"}""", selected.Items.Single(i => i["type"]!.GetValue<string>() == "identify")["traits"]!.ToJsonString());
        Assert.DoesNotContain(_items.FromChange(destination, stale).Items, i => i["type"]!.GetValue<string>() == "audience");
    }
}
