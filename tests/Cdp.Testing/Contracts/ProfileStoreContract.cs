using System.Text.Json.Nodes;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;

namespace Cdp.Testing.Contracts;

/// <summary>What every <see cref="IProfileStore"/> must do. Each adapter's tests derive from this.</summary>
public abstract class ProfileStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A store to test; profile ids are unique per test, so a shared store is fine.</summary>
    protected abstract IProfileStore Store { get; }

    private static string NewId() => "p_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task GetAsync_Unknown_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync(NewId(), CancellationToken.None));
    }

    [Fact]
    public async Task TryCreateAsync_ThenGet_RoundTripsEverything()
    {
        var profile = new Profile(NewId(), T0);
        profile.AddIdentifier(new Identifier(Identifier.UserId, "u1"), T0);
        profile.SetTrait("address", new JsonObject { ["city"] = "Lyon", ["zip"] = 69001 }, T0.AddMinutes(1), "m1");

        Assert.True(await Store.TryCreateAsync(profile, CancellationToken.None));
        var stored = await Store.GetAsync(profile.Id, CancellationToken.None);

        Assert.NotNull(stored);
        Assert.False(string.IsNullOrEmpty(stored.VersionTag));
        Assert.Equal(profile.Identifiers, stored.Profile.Identifiers);
        Assert.Equal(T0, stored.Profile.CreatedAt);
        Assert.Equal(T0.AddMinutes(1), stored.Profile.UpdatedAt);
        var trait = stored.Profile.Traits["address"];
        Assert.Equal("m1", trait.MessageId);
        Assert.Equal(T0.AddMinutes(1), trait.ObservedAt);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["city"] = "Lyon", ["zip"] = 69001 }, trait.Value));
    }

    [Fact]
    public async Task TryCreateAsync_Existing_ReturnsFalseAndKeepsFirst()
    {
        var id = NewId();
        var first = new Profile(id, T0);
        first.SetTrait("plan", JsonValue.Create("pro"), T0, "m1");
        await Store.TryCreateAsync(first, CancellationToken.None);

        Assert.False(await Store.TryCreateAsync(new Profile(id, T0), CancellationToken.None));
        Assert.True((await Store.GetAsync(id, CancellationToken.None))!.Profile.Traits.ContainsKey("plan"));
    }

    [Fact]
    public async Task TryReplaceAsync_StaleVersion_FailsAndReloadThenRetrySucceeds()
    {
        var id = NewId();
        await Store.TryCreateAsync(new Profile(id, T0), CancellationToken.None);
        var first = (await Store.GetAsync(id, CancellationToken.None))!;
        var second = (await Store.GetAsync(id, CancellationToken.None))!;

        first.Profile.SetTrait("plan", JsonValue.Create("pro"), T0, "m1");
        Assert.True(await Store.TryReplaceAsync(first.Profile, first.VersionTag, CancellationToken.None));
        second.Profile.SetTrait("name", JsonValue.Create("Ada"), T0, "m2");
        Assert.False(await Store.TryReplaceAsync(second.Profile, second.VersionTag, CancellationToken.None));

        var reloaded = (await Store.GetAsync(id, CancellationToken.None))!;
        Assert.NotEqual(first.VersionTag, reloaded.VersionTag);
        reloaded.Profile.SetTrait("name", JsonValue.Create("Ada"), T0, "m2");
        Assert.True(await Store.TryReplaceAsync(reloaded.Profile, reloaded.VersionTag, CancellationToken.None));
        Assert.Equal(["name", "plan"], (await Store.GetAsync(id, CancellationToken.None))!.Profile.Traits.Keys);
    }

    [Fact]
    public async Task TryReplaceAsync_Missing_ReturnsFalse()
    {
        Assert.False(await Store.TryReplaceAsync(new Profile(NewId(), T0), "1", CancellationToken.None));
    }
}
