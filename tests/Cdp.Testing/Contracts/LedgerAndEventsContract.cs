using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;

namespace Cdp.Testing.Contracts;

/// <summary>What every <see cref="IIdentityLedger"/> must do.</summary>
public abstract class IdentityLedgerContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    protected abstract IIdentityLedger Ledger { get; }

    [Fact]
    public async Task AppendAsync_ThenList_ByProfileInTimeOrder_AgainChangesNothing()
    {
        var profile = "p_" + Guid.NewGuid().ToString("N");
        var merge = new LedgerEntry("e2-" + profile, profile, LedgerEntry.Merge, T0.AddMinutes(5), "m2", "shared-identifier", ["email"], ["email:abc"], "p_other");
        var link = new LedgerEntry("e1-" + profile, profile, LedgerEntry.Link, T0, "m1", "new-profile", ["user_id", "anonymous_id"], ["user_id:x", "anonymous_id:y"]);
        var elsewhere = link with { Id = "e3-" + profile, ProfileId = "p_" + Guid.NewGuid().ToString("N") };

        await Ledger.AppendAsync([merge, link, elsewhere], CancellationToken.None);
        await Ledger.AppendAsync([merge], CancellationToken.None);

        var entries = await Ledger.ListAsync(profile, CancellationToken.None);
        Assert.Equal([link.Id, merge.Id], entries.Select(e => e.Id));
        var read = entries[1];
        Assert.Equal((LedgerEntry.Merge, "m2", "shared-identifier", "p_other", T0.AddMinutes(5)), (read.Kind, read.MessageId, read.Rule, read.OtherProfileId, read.At));
        Assert.Equal(["email"], read.IdentifierTypes);
        Assert.Equal(["email:abc"], read.IdentifierKeys);
    }
}

/// <summary>What every <see cref="IProfileEventStore"/> must do.</summary>
public abstract class ProfileEventStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    protected abstract IProfileEventStore Events { get; }

    [Fact]
    public async Task AppendAsync_ThenList_NewestFirst_Limited_AgainChangesNothing()
    {
        var profile = "p_" + Guid.NewGuid().ToString("N");
        var first = new ProfileEvent(profile, "m/1?#", MessageType.Track, T0, "web", "Signed Up", Properties: new JsonObject { ["plan"] = "pro" });
        var second = new ProfileEvent(profile, "m2", MessageType.Page, T0.AddMinutes(1), "web", Name: "Home");
        var third = new ProfileEvent(profile, "m3", MessageType.Identify, T0.AddMinutes(2), "crm");

        await Events.AppendAsync([first, second, third], CancellationToken.None);
        await Events.AppendAsync([first], CancellationToken.None);

        var all = await Events.ListAsync(profile, 10, CancellationToken.None);
        Assert.Equal(["m3", "m2", "m/1?#"], all.Select(e => e.MessageId));
        Assert.Equal(("Signed Up", "pro"), (all[2].Event, all[2].Properties!["plan"]!.GetValue<string>()));
        Assert.Equal(["m3", "m2"], (await Events.ListAsync(profile, 2, CancellationToken.None)).Select(e => e.MessageId));
        Assert.Empty(await Events.ListAsync("p_" + Guid.NewGuid().ToString("N"), 10, CancellationToken.None));
        }

    [Fact]
    public async Task AppendAsync_EventsOfSeveralProfiles_EachListsItsOwn_ALaterRegroupingStoresNothingTwice()
    {
        var (a, b) = ("p_" + Guid.NewGuid().ToString("N"), "p_" + Guid.NewGuid().ToString("N"));
        var events = Enumerable.Range(0, 6).Select(i => new ProfileEvent(i % 2 == 0 ? a : b, $"m{i}", MessageType.Track, T0.AddMinutes(i), "web", "Viewed")).ToList();

        await Events.AppendAsync(events, CancellationToken.None);
        // A retry that groups the batch differently (a crash, then a partial replay).
        await Events.AppendAsync([events[0], events[2]], CancellationToken.None);

        Assert.Equal(["m4", "m2", "m0"], (await Events.ListAsync(a, 10, CancellationToken.None)).Select(e => e.MessageId));
        Assert.Equal(["m5", "m3", "m1"], (await Events.ListAsync(b, 10, CancellationToken.None)).Select(e => e.MessageId));
    }
}
