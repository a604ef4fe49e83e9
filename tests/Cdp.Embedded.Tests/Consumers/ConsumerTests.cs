using Cdp.Core.Changes;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Embedded.Consumers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cdp.Embedded.Tests.Consumers;

/// <summary>The background consumers of Cdp.Local, over the real embedded store.</summary>
public class ConsumerTests
{
    private static readonly Identifier Anonymous = new("anonymous_id", "a1");

    /// <summary>Advances fake time until <paramref name="done"/> holds (a guard against a hang, not a speed check).</summary>
    private static async Task AdvanceUntilAsync(EmbeddedStore store, Func<Task<bool>> done)
    {
        for (var i = 0; i < 1500 && !await done(); i++)
        {
            store.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task IngestConsumer_StoreFailsOnce_KeepsCheckpointRetriesAndLosesNothing()
    {
        using var store = new EmbeddedStore();
        var index = new FlakyIndex(store.Identities, failures: 1);
        var consumer = new IngestConsumer(store.Log, store.IngestWith(index), store.Time, NullLogger<IngestConsumer>.Instance);
        await consumer.StartAsync(CancellationToken.None);

        await store.Log.PublishAsync([Messages.Track("m1", anonymousId: "a1")], CancellationToken.None);
        await AdvanceUntilAsync(store, async () => await store.OwnerAsync(Anonymous) is not null);
        await consumer.StopAsync(CancellationToken.None);

        Assert.Equal(0, index.FailuresLeft);
        Assert.NotNull(await store.OwnerAsync(Anonymous));
        var partition = store.Log.PartitionOf("a1");
        Assert.Empty((await store.Log.ReadAsync(IngestConsumer.Name, partition, 10, CancellationToken.None)).Messages);
    }

    [Fact]
    public async Task ProfileChangeConsumer_NewProfile_ReachesSubscribersAndCheckpoints()
    {
        using var store = new EmbeddedStore();
        var subscriber = new RecordingSubscriber();
        var processor = new ProfileChangeProcessor([subscriber], NullLogger<ProfileChangeProcessor>.Instance);
        var consumer = new ProfileChangeConsumer(store.Profiles, processor, new NoJourneys(), store.Time, NullLogger<ProfileChangeConsumer>.Instance);
        await consumer.StartAsync(CancellationToken.None);

        await store.Ingest.ProcessAsync([Messages.Track("m1", anonymousId: "a1")], CancellationToken.None);
        await AdvanceUntilAsync(store, () => Task.FromResult(subscriber.Changes.Any(c => c.Profile.Counters?.Events.Count > 0)));
        await consumer.StopAsync(CancellationToken.None);

        // Its identifiers first (before the index names it), then the message.
        Assert.Equal([1L, 2L], subscriber.Changes.Select(c => c.Profile.Version).Order());
        Assert.All(subscriber.Changes, change => Assert.Equal(["anonymous_id:a1"], change.Profile.Identifiers.Select(i => i.ToString())));
        Assert.Empty((await store.Profiles.ReadAsync(ProfileChangeConsumer.Name, 10, CancellationToken.None)).Changes);
    }

    /// <summary>Drives a rare fault: the index fails the first <c>failures</c> lookups.</summary>
    private sealed class FlakyIndex(IIdentityIndex inner, int failures) : IIdentityIndex
    {
        public int FailuresLeft { get; private set; } = failures;

        public Task<string?> FindAsync(string key, CancellationToken cancellationToken)
        {
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new IOException("disk I/O error");
            }

            return inner.FindAsync(key, cancellationToken);
        }

        public Task<string> ClaimAsync(string key, string profileId, CancellationToken cancellationToken) =>
            inner.ClaimAsync(key, profileId, cancellationToken);

        public Task<string> ReassignAsync(string key, string fromProfileId, string toProfileId, CancellationToken cancellationToken) =>
            inner.ReassignAsync(key, fromProfileId, toProfileId, cancellationToken);
    }

    private sealed class RecordingSubscriber : IProfileChangeSubscriber
    {
        public System.Collections.Concurrent.ConcurrentQueue<ProfileChange> Changes { get; } = new();

        public Task OnProfileChangedAsync(ProfileChange change, ProfileChangeContext context, CancellationToken cancellationToken)
        {
            Changes.Enqueue(change);
            return Task.CompletedTask;
        }
    }

    private sealed class NoJourneys : IJourneyRuntime
    {
        public Task<bool> StartAsync(string instanceId, JourneyRun run, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<bool> RaiseAsync(string instanceId, string name, JourneySignal signal, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<bool> TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<JourneyRuntimeStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken) => Task.FromResult<JourneyRuntimeStatus?>(null);

        public Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken) => Task.FromResult(false);
    }
}
