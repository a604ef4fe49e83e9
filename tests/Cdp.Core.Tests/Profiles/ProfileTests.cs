using System.Text.Json.Nodes;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;

namespace Cdp.Core.Tests.Profiles;

public class ProfileTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AddIdentifier_Twice_ChangesOnce()
    {
        var profile = new Profile("p1", T0);

        Assert.True(profile.AddIdentifier(new Identifier(Identifier.UserId, "u1"), T0));
        Assert.False(profile.AddIdentifier(new Identifier(Identifier.UserId, "u1"), T0));
        Assert.Single(profile.Identifiers);
    }

    [Fact]
    public void SetTrait_OlderObservation_IsIgnored()
    {
        var profile = new Profile("p1", T0);
        profile.SetTrait("plan", JsonValue.Create("pro"), T0.AddMinutes(5), "m2");

        Assert.False(profile.SetTrait("plan", JsonValue.Create("free"), T0, "m1"));
        Assert.Equal("pro", profile.Traits["plan"].Value!.GetValue<string>());
    }

    [Fact]
    public void SetTrait_SameMessageAgain_ChangesNothing()
    {
        var profile = new Profile("p1", T0);
        Assert.True(profile.SetTrait("plan", JsonValue.Create("pro"), T0, "m1"));

        Assert.False(profile.SetTrait("plan", JsonValue.Create("pro"), T0, "m1"));
    }

    [Fact]
    public void SetTrait_AnyOrderOfSameObservations_EndsInSameState()
    {
        var a = new Profile("p1", T0);
        a.SetTrait("plan", JsonValue.Create("a"), T0, "m1");
        a.SetTrait("plan", JsonValue.Create("b"), T0, "m2");
        var b = new Profile("p1", T0);
        b.SetTrait("plan", JsonValue.Create("b"), T0, "m2");
        b.SetTrait("plan", JsonValue.Create("a"), T0, "m1");

        Assert.Equal("b", a.Traits["plan"].Value!.GetValue<string>());
        Assert.Equal("b", b.Traits["plan"].Value!.GetValue<string>());
    }

    [Fact]
    public void ToDocument_FromDocument_RoundTrips()
    {
        var profile = new Profile("p1", T0);
        profile.AddIdentifier(new Identifier(Identifier.AnonymousId, "a:1"), T0);
        profile.SetTrait("address", new JsonObject { ["city"] = "Lyon" }, T0.AddHours(1), "m1");

        var copy = Profile.FromDocument(profile.ToDocument());

        Assert.Equal(profile.Identifiers, copy.Identifiers);
        Assert.Equal(T0.AddHours(1), copy.UpdatedAt);
        Assert.Equal("Lyon", copy.Traits["address"].Value!["city"]!.GetValue<string>());
    }
}
