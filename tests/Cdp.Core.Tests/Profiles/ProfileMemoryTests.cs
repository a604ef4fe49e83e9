using Cdp.Core.Ingest;
using Cdp.Core.Profiles;

namespace Cdp.Core.Tests.Profiles;

public class ProfileMemoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RememberedMessages_AreKeptShort_AndStillTellAppliedFromNew()
    {
        var profile = new Profile("p1", T0);
        var applied = IProcessedMessageLog.KeyFor("web", "m1");

        profile.Remember(applied, 128);

        Assert.Equal(16, applied.Length);
        Assert.Equal(applied[..Profile.RememberedKeyLength], profile.ToDocument().Recent);
        Assert.Null(profile.ToDocument().RecentMessages);
        Assert.True(profile.HasApplied(applied));
        Assert.False(profile.HasApplied(IProcessedMessageLog.KeyFor("web", "m2")));
    }

    [Fact]
    public void AProfileWrittenWithFullKeys_StillKnowsItsMessages()
    {
        // Before, keys were the whole SHA-256 in base64url (43 characters); today's key is their first 16.
        var applied = IProcessedMessageLog.KeyFor("web", "m1");
        var written = new Profile("p1", T0).ToDocument() with { RecentMessages = [applied + "0123456789abcdefghijklmno12"] };

        var profile = Profile.FromDocument(written);

        Assert.True(profile.HasApplied(applied));
        Assert.False(profile.HasApplied(IProcessedMessageLog.KeyFor("web", "m2")));
    }

    [Fact]
    public void AProfileWrittenWithAnArrayOfKeys_StillKnowsItsMessages_AndIsWrittenBackAsOneString()
    {
        // Before, the keys were an array of 16-character keys.
        var keys = Enumerable.Range(0, 3).Select(i => IProcessedMessageLog.KeyFor("web", $"m{i}")).ToList();
        var written = new Profile("p1", T0).ToDocument() with { RecentMessages = keys };

        var profile = Profile.FromDocument(written);

        Assert.All(keys, k => Assert.True(profile.HasApplied(k)));
        Assert.False(profile.HasApplied(IProcessedMessageLog.KeyFor("web", "m9")));
        var again = profile.ToDocument();
        Assert.Null(again.RecentMessages);
        Assert.Equal(string.Join(' ', keys.Select(k => k[..Profile.RememberedKeyLength])), again.Recent);
        Assert.All(keys, k => Assert.True(Profile.FromDocument(again).HasApplied(k)));
    }

    [Fact]
    public void AMaturedProfilesMemory_TakesAboutTwelveBytesAMessage()
    {
        var profile = new Profile("p1", T0);
        for (var i = 0; i < 500; i++)
        {
            profile.Remember(IProcessedMessageLog.KeyFor("web", $"m{i}"), 128);
        }

        var json = System.Text.Json.JsonSerializer.Serialize(profile.ToDocument(), Core.Events.CdpJson.Options);
        var recent = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("recent").GetString()!;
        Assert.Equal((128 * (Profile.RememberedKeyLength + 1)) - 1, recent.Length);
        Assert.DoesNotContain("recentMessages", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_ForgetsTheOldestBeyondItsLimit()
    {
        var profile = new Profile("p1", T0);
        var keys = Enumerable.Range(0, 4).Select(i => IProcessedMessageLog.KeyFor("web", $"m{i}")).ToList();

        keys.ForEach(k => profile.Remember(k, 3));

        Assert.False(profile.HasApplied(keys[0]));
        Assert.All(keys.Skip(1), k => Assert.True(profile.HasApplied(k)));
    }
}
