using System.Text.Json.Nodes;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;

namespace Cdp.Testing.Contracts;

/// <summary>What every <see cref="IProfileStore"/> must do. Each adapter's tests derive from this.</summary>
public abstract class ProfileStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly MergePolicy Policy = TestDomain.Policy();

    /// <summary>A store to test; profile ids are unique per test, so a shared store is fine.</summary>
    protected abstract IProfileStore Store { get; }

    private static string NewId() => "p_" + Guid.NewGuid().ToString("N");

    private static Trait Observed(JsonNode? value, DateTimeOffset at, string messageId, string? source = "web") => new(value, at, messageId, source);

    [Fact]
    public async Task GetAsync_Unknown_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync(NewId(), CancellationToken.None));
    }

    [Fact]
    public async Task TryCreateAsync_ThenGet_RoundTripsEverything()
    {
        var profile = new Profile(NewId(), T0);
        profile.Link(new Identifier("user_id", "u1"), T0);
        profile.Link(new Identifier("user_id", "u1"), T0.AddHours(1), together: true);
        profile.SetTrait("address", Observed(new JsonObject { ["city"] = "Lyon", ["zip"] = 69001 }, T0.AddMinutes(1), "m1"), Policy);
        profile.SetTrait("address", Observed(new JsonObject { ["city"] = "Paris" }, T0, "m0", "crm"), Policy);
        profile.Count("track", T0);
        profile.Count("track", T0.AddDays(1));
        profile.Remember("k1", 10);
        profile.SetConsent("marketing_email", new ProfileConsent(true, T0, "m1", "web", T0.AddDays(365)));
        profile.Enter("vip", T0.AddHours(2));
        profile.Enter("trial", T0);
        profile.Exit("trial", T0.AddHours(3));
        var other = new Profile(NewId(), T0.AddDays(2));
        profile.Absorb(other, Policy);

        var tag = await Store.TryCreateAsync(profile, CancellationToken.None);
        var stored = await Store.GetAsync(profile.Id, CancellationToken.None);

        Assert.NotNull(stored);
        Assert.False(string.IsNullOrEmpty(tag));
        Assert.Equal(tag, stored.VersionTag);
        var identifier = Assert.Single(stored.Profile.Identifiers);
        Assert.Equal(new ProfileIdentifier("user_id", "u1", T0, T0.AddHours(1), T0.AddHours(1)), identifier);
        Assert.Equal(T0, stored.Profile.CreatedAt);
        var trait = stored.Profile.Traits["address"];
        Assert.Equal(("m1", "web", 1.0), (trait.MessageId, trait.Source, trait.Confidence));
        Assert.Equal(T0.AddMinutes(1), trait.ObservedAt);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["city"] = "Lyon", ["zip"] = 69001 }, trait.Value));
        var lost = Assert.Single(trait.History!);
        Assert.Equal(("m0", "crm"), (lost.MessageId, lost.Source));
        Assert.Equal(new EventCounter(2, T0, T0.AddDays(1), profile.Version), stored.Profile.Counters["track"]);
        Assert.True(stored.Profile.HasApplied("k1"));
        Assert.Equal([other.Id], stored.Profile.Merged);
        Assert.Null(stored.Profile.MergedInto);
        Assert.Equal(1, stored.Profile.Version);
        Assert.Equal(new ProfileConsent(true, T0, "m1", "web", T0.AddDays(365)), stored.Profile.Consents["marketing_email"]);
        Assert.Equal(new SegmentMembership(T0.AddHours(2), 1), stored.Profile.Segments["vip"]);
        Assert.Equal(new SegmentExit(T0, 1, T0.AddHours(3), 1), Assert.Single(stored.Profile.SegmentExits!).Value);
    }

    [Fact]
    public async Task Redirect_RoundTrips()
    {
        var profile = new Profile(NewId(), T0);
        profile.RedirectTo("p_survivor");

        await Store.TryCreateAsync(profile, CancellationToken.None);

        Assert.Equal("p_survivor", (await Store.GetAsync(profile.Id, CancellationToken.None))!.Profile.MergedInto);
    }

    [Fact]
    public async Task TryCreateAsync_Existing_ReturnsNullAndKeepsFirst()
    {
        var id = NewId();
        var first = new Profile(id, T0);
        first.SetTrait("plan", Observed(JsonValue.Create("pro"), T0, "m1"), Policy);
        await Store.TryCreateAsync(first, CancellationToken.None);

        Assert.Null(await Store.TryCreateAsync(new Profile(id, T0), CancellationToken.None));
        Assert.True((await Store.GetAsync(id, CancellationToken.None))!.Profile.Traits.ContainsKey("plan"));
    }

    [Fact]
    public async Task TryReplaceAsync_StaleVersion_FailsAndReloadThenRetrySucceeds()
    {
        var id = NewId();
        await Store.TryCreateAsync(new Profile(id, T0), CancellationToken.None);
        var first = (await Store.GetAsync(id, CancellationToken.None))!;
        var second = (await Store.GetAsync(id, CancellationToken.None))!;

        first.Profile.SetTrait("plan", Observed(JsonValue.Create("pro"), T0, "m1"), Policy);
        var newTag = await Store.TryReplaceAsync(first.Profile, first.VersionTag, CancellationToken.None);
        Assert.NotNull(newTag);
        second.Profile.SetTrait("name", Observed(JsonValue.Create("Ada"), T0, "m2"), Policy);
        Assert.Null(await Store.TryReplaceAsync(second.Profile, second.VersionTag, CancellationToken.None));

        var reloaded = (await Store.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(newTag, reloaded.VersionTag);
        reloaded.Profile.SetTrait("name", Observed(JsonValue.Create("Ada"), T0, "m2"), Policy);
        Assert.NotNull(await Store.TryReplaceAsync(reloaded.Profile, reloaded.VersionTag, CancellationToken.None));
        Assert.Equal(["name", "plan"], (await Store.GetAsync(id, CancellationToken.None))!.Profile.Traits.Keys);
    }

    /// <summary>The largest document the store takes (<see cref="ProfileDocument.MaxStoredBytes"/> for the real stores).</summary>
    protected virtual int MaxDocumentBytes => ProfileDocument.MaxStoredBytes;

    [Fact]
    public async Task TryCreateAndReplace_OverTheSizeLimit_AreRefusedWithProfileTooLarge_AndNothingIsWritten()
    {
        var id = NewId();
        var profile = new Profile(id, T0);
        profile.SetTrait("note", Observed(JsonValue.Create("small"), T0, "m1"), Policy);
        var tag = await Store.TryCreateAsync(profile, CancellationToken.None);
        Assert.NotNull(tag);

        var stored = (await Store.GetAsync(id, CancellationToken.None))!;
        stored.Profile.SetTrait("blob", Observed(JsonValue.Create(new string('x', MaxDocumentBytes)), T0.AddMinutes(1), "m2"), Policy);
        var refused = await Assert.ThrowsAsync<ProfileTooLargeException>(() => Store.TryReplaceAsync(stored.Profile, stored.VersionTag, CancellationToken.None));
        Assert.Equal(id, refused.ProfileId);
        Assert.True(refused.Bytes > MaxDocumentBytes);
        Assert.Equal(["note"], (await Store.GetAsync(id, CancellationToken.None))!.Profile.Traits.Keys);

        var big = new Profile(NewId(), T0);
        big.SetTrait("blob", Observed(JsonValue.Create(new string('x', MaxDocumentBytes)), T0, "m3"), Policy);
        await Assert.ThrowsAsync<ProfileTooLargeException>(() => Store.TryCreateAsync(big, CancellationToken.None));
        Assert.Null(await Store.GetAsync(big.Id, CancellationToken.None));
    }

    [Fact]
    public async Task TryReplaceAsync_Missing_ReturnsNull()
    {
        Assert.Null(await Store.TryReplaceAsync(new Profile(NewId(), T0), "1", CancellationToken.None));
    }
}
