using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using static Cdp.Core.Tests.Identity.Events;

namespace Cdp.Core.Tests.Ingest;

/// <summary>
/// A batch is applied as groups of messages that share no identifier, concurrently: messages of one device or person
/// stay in one group and in order, and groups that reach one profile still count each message once.
/// </summary>
public class IndependentGroupsTests
{
    private static List<IngestService.Work> WorkOf(params Message[] messages)
    {
        var resolver = TestDomain.Resolver(new InMemoryStores());
        return [.. messages.Select(m => new IngestService.Work(m, IProcessedMessageLog.KeyFor(m.SourceId, m.MessageId), resolver.IdentifiersOf(m)))];
    }

    private static List<List<string>> Groups(params Message[] messages) =>
        [.. IngestService.Independent(WorkOf(messages)).Select(g => g.Select(w => w.Message.MessageId).ToList())];

    [Fact]
    public void MessagesOfOneDevice_StayInOneGroup_InTheBatchOrder_OtherDevicesApart()
    {
        var groups = Groups(
            Track("a1", 1, anonymousId: "dev-a"),
            Track("b1", 2, anonymousId: "dev-b"),
            Track("a2", 3, anonymousId: "dev-a"),
            Track("c1", 4, anonymousId: "dev-c"),
            Track("a3", 5, anonymousId: "dev-a"));

        Assert.Equal([["a1", "a2", "a3"], ["b1"], ["c1"]], groups);
    }

    [Fact]
    public void MessagesLinkedThroughAnyIdentifier_OrAProfileHint_AreOneGroup()
    {
        var groups = Groups(
            Identify("i1", 1, userId: "u1", email: "ada@example.com"),
            Track("t1", 2, anonymousId: "dev-x"),
            Identify("i2", 3, userId: "u2", anonymousId: "dev-y"),
            Identify("i3", 4, userId: "u3", email: "ada@example.com", anonymousId: "dev-x"),
            Track("h1", 5, anonymousId: "dev-z") with { ProfileId = "p_hinted" },
            Track("h2", 6, anonymousId: "dev-w") with { ProfileId = "p_hinted" });

        Assert.Equal([["i1", "t1", "i3"], ["i2"], ["h1", "h2"]], groups);
    }

    [Fact]
    public async Task GroupsThatReachOneProfile_CountEachMessageOnce_AndARedeliveryChangesNothing()
    {
        var stores = new InMemoryStores();
        var ingest = TestDomain.Ingest(stores);
        await ingest.ProcessAsync([Identify("login", 0, userId: "u1", anonymousId: "dev-1", email: "ada@example.com")], CancellationToken.None);

        // Each identifier alone: three groups, one profile.
        Message[] batch = [Track("t1", 1, userId: "u1"), Track("t2", 2, anonymousId: "dev-1"), Identify("t3", 3, email: "ada@example.com"), Track("t4", 4, anonymousId: "dev-1")];
        Assert.Equal(3, IngestService.Independent(WorkOf(batch)).Count);
        await ingest.ProcessAsync(batch, CancellationToken.None);
        await new IngestService(TestDomain.Resolver(stores), TestDomain.Policy(), stores, stores, NoProcessedMessageLog.Instance, stores, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<IngestService>.Instance)
            .ProcessAsync(batch, CancellationToken.None);

        var profile = Assert.Single(stores.ProfileIds, id => stores.GetAsync(id, CancellationToken.None).Result!.Profile.MergedInto is null);
        var counters = (await stores.GetAsync(profile, CancellationToken.None))!.Profile.Counters;
        Assert.Equal(3, counters["track"].Count);
        Assert.Equal(2, counters["identify"].Count);
    }
}
