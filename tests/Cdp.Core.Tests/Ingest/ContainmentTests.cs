using Cdp.Core.Events;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Cdp.Core.Tests.Identity.Events;

namespace Cdp.Core.Tests.Ingest;

/// <summary>A message whose processing fails deterministically is isolated and kept as a dead letter; transient failures are retried by the caller.</summary>
public class ContainmentTests
{
    /// <summary>The event store, failing for one message id as a bug would (every time), or transiently a few times.</summary>
    private sealed class FailingEvents(InMemoryStores inner, string messageId, Func<Exception> failure, int times = int.MaxValue) : IProfileEventStore
    {
        public int Failures { get; private set; }

        public Task AppendAsync(IReadOnlyList<ProfileEvent> events, CancellationToken cancellationToken)
        {
            if (Failures < times && events.Any(e => e.MessageId == messageId))
            {
                Failures++;
                throw failure();
            }

            return ((IProfileEventStore)inner).AppendAsync(events, cancellationToken);
        }

        public Task<IReadOnlyList<ProfileEvent>> ListAsync(string profileId, int max, CancellationToken cancellationToken) => ((IProfileEventStore)inner).ListAsync(profileId, max, cancellationToken);

        public Task<int> DeleteAsync(string profileId, CancellationToken cancellationToken) => ((IProfileEventStore)inner).DeleteAsync(profileId, cancellationToken);
    }

    private static IngestService Ingest(InMemoryStores stores, IProfileEventStore events)
    {
        var policy = TestDomain.Policy();
        return new IngestService(TestDomain.Resolver(stores, policy: policy), policy, stores, events, stores, stores, TimeProvider.System, NullLogger<IngestService>.Instance, Options.Create(new Core.Consents.ConsentOptions()));
    }

    private static readonly Message[] Batch = [Track("ok-1", 1, anonymousId: "a1"), Track("poison", 2, anonymousId: "a2"), Track("ok-2", 3, anonymousId: "a3")];

    [Fact]
    public async Task ADeterministicFailure_OtherMessagesApplied_ThePoisonOneADeadLetterWithItsReason_ThePartitionMovesOn()
    {
        var stores = new InMemoryStores();
        var events = new FailingEvents(stores, "poison", () => new InvalidOperationException("a bug"));

        var summary = await Ingest(stores, events).ProcessAsync(Batch, CancellationToken.None);

        Assert.Equal(1, summary.DeadLettered);
        Assert.Equal(IngestService.MaxMessageAttempts + 1, events.Failures); // the batch once, then the message alone, a bounded number of times
        var letter = Assert.Single(stores.DeadLetters);
        Assert.Equal("poison", letter.MessageId);
        Assert.Contains("InvalidOperationException: a bug", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(2, stores.ProfileIds.Count(id => stores.GetAsync(id, CancellationToken.None).Result!.Profile.Counters.ContainsKey("track")));

        // Delivered again (the host retried anyway): the good ones count nothing twice, the letter stays one.
        await Ingest(stores, events).ProcessAsync(Batch, CancellationToken.None);
        Assert.Single(stores.DeadLetters);
        Assert.All(stores.ProfileIds.Select(id => stores.GetAsync(id, CancellationToken.None).Result!.Profile), p => Assert.True(p.Counters.GetValueOrDefault("track")?.Count is null or 1));
    }

    [Fact]
    public async Task ATransientFailure_Propagates_NothingIsDeadLettered_TheRetryAppliesEverything()
    {
        var stores = new InMemoryStores();
        var events = new FailingEvents(stores, "poison", () => new TimeoutException("the store timed out"), times: 2);
        var ingest = Ingest(stores, events);

        await Assert.ThrowsAsync<TimeoutException>(() => ingest.ProcessAsync(Batch, CancellationToken.None));
        await Assert.ThrowsAsync<TimeoutException>(() => ingest.ProcessAsync(Batch, CancellationToken.None));
        var summary = await ingest.ProcessAsync(Batch, CancellationToken.None);

        Assert.Equal(0, summary.DeadLettered);
        Assert.Empty(stores.DeadLetters);
        Assert.Equal(3, stores.ProfileIds.Count());
    }

    [Fact]
    public void Classification_ContentionAndTimeoutsAreTransient_BugsAreNot()
    {
        var failures = TransientFailures.BuiltIn;
        Assert.True(failures.IsTransient(new ContentionException("busy")));
        Assert.True(failures.IsTransient(new TimeoutException()));
        Assert.True(failures.IsTransient(new InvalidOperationException("wrapped", new TimeoutException())));
        Assert.False(failures.IsTransient(new OverflowException()));
        Assert.False(failures.IsTransient(new ArgumentException("a bug")));
        Assert.False(failures.IsTransient(new AggregateException(new TimeoutException(), new OverflowException())));
    }

    private static Profile ProfileOf(InMemoryStores stores, string userId) =>
        stores.ProfileIds.Select(id => stores.GetAsync(id, CancellationToken.None).Result!.Profile).Single(p => p.MergedInto is null && p.Identifiers.Any(i => i.Value == userId));

    [Fact]
    public async Task AMessageThatWouldMakeTheProfileTooLarge_IsAppliedWithItsLargestTraitsDropped_NeverRefusedByTheStore()
    {
        var stores = new InMemoryStores { MaxDocumentBytes = 4000 };
        Message[] batch =
        [
            Identify("m1", 1, userId: "u1", traits: new() { ["name"] = "Ada" }),
            Identify("m2", 2, userId: "u1", traits: new() { ["blob"] = new string('x', 3000), ["plan"] = "pro" }),
            Identify("m3", 3, userId: "u1", traits: new() { ["notes"] = new string('y', 1500) }),
            Track("m4", 4, userId: "u1"),
        ];

        var summary = await Ingest(stores, stores).ProcessAsync(batch, CancellationToken.None);

        Assert.Equal(0, summary.DeadLettered);
        Assert.Empty(stores.DeadLetters);
        var profile = ProfileOf(stores, "u1");
        Assert.Equal(3, profile.Counters["identify"].Count);
        Assert.Equal(1, profile.Counters["track"].Count);
        // The batch's write was refused: the largest traits went, the others stayed, within half the store's limit.
        Assert.Equal(["name", "plan"], profile.Traits.Keys);
        Assert.True(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(profile.ToDocument(), CdpJson.Options).Length <= 4000);
    }

    [Fact]
    public async Task AProfileNoShrinkCanFit_ItsMessageIsADeadLetterWithTheReason_TheOthersApplied()
    {
        // Only traits are dropped to make room, never an identifier. With the real limit (1 MiB) that cannot happen (identifiers,
        // counters and names are bounded); a store with a small limit shows what would: a dead letter, not a stopped partition.
        var stores = new InMemoryStores { MaxDocumentBytes = 1200 };
        var longId = string.Concat(Enumerable.Range(0, 250).Select(i => (char)('a' + (i % 26)))) + "-" + string.Concat(Enumerable.Range(0, 750).Select(i => (char)('A' + (i % 26))));
        Message[] batch = [Track("ok-1", 1, userId: "u1"), Track("poison", 2, userId: longId), Track("ok-2", 3, userId: "u1")];

        var summary = await Ingest(stores, stores).ProcessAsync(batch, CancellationToken.None);

        Assert.True(1 == summary.DeadLettered, string.Join(" | ", stores.DeadLetters.Select(l => l.MessageId + ": " + l.Reason)));
        var letter = Assert.Single(stores.DeadLetters);
        Assert.Equal("poison", letter.MessageId);
        Assert.Contains("ProfileTooLargeException", letter.Reason, StringComparison.Ordinal);
        Assert.Contains("over the limit of 1200 bytes", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(2, ProfileOf(stores, "u1").Counters["track"].Count);
    }

    [Fact]
    public async Task TraitsPastTheCap_AreNotTaken_TheProfilesOwnKeepChanging()
    {
        var stores = new InMemoryStores();
        var policy = TestDomain.Policy(o => o.MaxTraits = 2);
        var ingest = new IngestService(TestDomain.Resolver(stores, policy: policy), policy, stores, stores, stores, stores, TimeProvider.System, NullLogger<IngestService>.Instance);

        await ingest.ProcessAsync([Identify("m1", 1, userId: "u1", traits: new() { ["a"] = 1, ["b"] = 1 }), Identify("m2", 2, userId: "u1", traits: new() { ["c"] = 2, ["a"] = 2 })], CancellationToken.None);

        var profile = ProfileOf(stores, "u1");
        Assert.Equal(["a", "b"], profile.Traits.Keys);
        Assert.Equal(2, profile.Traits["a"].Value!.GetValue<int>());
        Assert.Equal(2, profile.Counters["identify"].Count);
    }

    [Fact]
    public async Task WhatOnePersonCanGrowTo_IsBounded_LongIdentifiersAreNone_LongEventNamesCountOnlyAsTracks()
    {
        var stores = new InMemoryStores();
        var tooLong = string.Concat(Enumerable.Range(0, Cdp.Core.Identity.IdentityDefaults.MaxValueLength + 1).Select(i => (char)('a' + (i % 26))));
        Message[] batch =
        [
            Track("m1", 1, userId: "u1") with { Event = new string('E', MessageApplier.MaxCountedEventName + 1) },
            Track("m2", 2, userId: "u1", anonymousId: tooLong),
        ];

        await Ingest(stores, stores).ProcessAsync(batch, CancellationToken.None);

        var profile = ProfileOf(stores, "u1");
        Assert.Equal(["user_id:u1"], profile.Identifiers.Select(i => i.ToString()));
        Assert.Equal(2, profile.Counters["track"].Count);
        Assert.Equal(["track", "track:Viewed"], profile.Counters.Keys);
    }
}
