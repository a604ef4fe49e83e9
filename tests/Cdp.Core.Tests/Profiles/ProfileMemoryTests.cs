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

        Assert.Equal(Profile.RememberedKeyLength, applied.Length);
        Assert.Equal([applied], profile.ToDocument().RecentMessages!);
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
    public void Memory_ForgetsTheOldestBeyondItsLimit()
    {
        var profile = new Profile("p1", T0);
        var keys = Enumerable.Range(0, 4).Select(i => IProcessedMessageLog.KeyFor("web", $"m{i}")).ToList();

        keys.ForEach(k => profile.Remember(k, 3));

        Assert.False(profile.HasApplied(keys[0]));
        Assert.All(keys.Skip(1), k => Assert.True(profile.HasApplied(k)));
    }
}
