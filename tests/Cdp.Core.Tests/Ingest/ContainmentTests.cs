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
}
