using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing;

namespace Cdp.Core.Tests.Profiles;

/// <summary>The notes a profile keeps while an identity step spans several writes (claims pending, moves under way).</summary>
public class IdentityNotesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    private static Profile Stored()
    {
        var profile = new Profile("p1", T0);
        profile.Link(new Identifier("email", "a@x.io"), T0);
        return Profile.FromDocument(profile.ToDocument());
    }

    [Fact]
    public void A_Note_MakesANewVersion_ThatChangesNothingAboutThePerson()
    {
        var profile = Stored();
        var version = profile.Version;

        Assert.True(profile.MarkClaiming("email:k1"));
        Assert.False(profile.MarkClaiming("email:k1"));
        var document = profile.ToDocument();

        Assert.Equal(version + 1, document.Version);
        // An empty list, not null: null would make the change feed's consumers evaluate every segment again.
        Assert.NotNull(document.ChangedPaths);
        Assert.Empty(document.ChangedPaths);
        Assert.Equal(["email:k1"], document.Claiming);
    }

    [Fact]
    public void Notes_SurviveTheDocument_AndASettledNoteIsGone()
    {
        var profile = Stored();
        profile.MarkClaiming("email:k1");
        profile.Unlink(new Identifier("email", "a@x.io"), "email:k2", "p2");

        var read = Profile.FromDocument(profile.ToDocument());

        Assert.Equal(["email:k1"], read.Claiming);
        Assert.Equal("p2", read.Moving["email:k2"]);
        Assert.False(read.Holds(new Identifier("email", "a@x.io")));
        Assert.True(read.ClaimSettled("email:k1") & read.MoveSettled("email:k2"));
        var settled = read.ToDocument();
        Assert.Null(settled.Claiming);
        Assert.Null(settled.Moving);
    }

    [Fact]
    public void Absorb_CarriesTheMergedProfilesNotes_ToBeSettledByTheNextReader()
    {
        var survivor = Stored();
        var merged = new Profile("p3", T0.AddMinutes(1));
        merged.MarkClaiming("email:k3");
        merged.Unlink(new Identifier("anonymous_id", "d1"), "anonymous_id:k4", "p9");

        survivor.Absorb(merged, TestDomain.Policy());

        Assert.Contains("email:k3", survivor.Claiming);
        Assert.Equal("p9", survivor.Moving["anonymous_id:k4"]);
    }
}
