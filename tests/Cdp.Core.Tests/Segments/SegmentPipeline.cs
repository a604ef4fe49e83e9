using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.Consents;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Segments;

/// <summary>
/// Ingest, the profile change feed and segment evaluation in memory on a fake clock: send a message for a user, and
/// the feed is run until it is quiet. Shared by the segment and consent tests.
/// </summary>
internal sealed class SegmentPipeline : IDisposable
{
    private int _messages;

    /// <param name="evaluatorStore">The profile store the evaluator sees (a wrapper over <see cref="Stores"/> to count its calls), or the stores themselves.</param>
    public SegmentPipeline(DateTimeOffset start, Func<InMemoryStores, IProfileStore>? evaluatorStore = null, ConsentOptions? consent = null)
    {
        Time = new FakeTimeProvider(start);
        Catalog = new SegmentCatalog(Segments, Time, NullLogger<SegmentCatalog>.Instance);
        Service = new SegmentService(Segments, Catalog, Segments, Time);
        Evaluator = new SegmentEvaluator(Catalog, evaluatorStore?.Invoke(Stores) ?? Stores, Segments, Segments, Time, NullLogger<SegmentEvaluator>.Instance, new SegmentFailures(Segments, Time, NullLogger<SegmentFailures>.Instance));
        Processor = new ProfileChangeProcessor([Evaluator], NullLogger<ProfileChangeProcessor>.Instance);
        Ingest = TestDomain.Ingest(Stores, time: Time, consent: consent);
    }

    public FakeTimeProvider Time { get; }

    public InMemoryStores Stores { get; } = new();

    public InMemorySegments Segments { get; } = new();

    public SegmentCatalog Catalog { get; }

    public SegmentService Service { get; }

    public SegmentEvaluator Evaluator { get; }

    public ProfileChangeProcessor Processor { get; }

    public IngestService Ingest { get; }

    /// <summary>Ingests a message of user <paramref name="user"/> now (an identify, or a track with <paramref name="event"/>), then runs the feed.</summary>
    public async Task SendAsync(string user, JsonObject? traits = null, string? @event = null, JsonObject? context = null, JsonObject? properties = null)
    {
        await IngestAsync(user, traits, @event, context, properties);
        await FeedAsync();
    }

    /// <summary>Ingests a message of user <paramref name="user"/> now, without running the feed.</summary>
    public async Task IngestAsync(string user, JsonObject? traits = null, string? @event = null, JsonObject? context = null, JsonObject? properties = null)
    {
        var now = Time.GetUtcNow();
        await Ingest.ProcessAsync(
            [new Message
            {
                MessageId = $"m{++_messages}",
                Type = @event is null ? MessageType.Identify : MessageType.Track,
                Event = @event,
                UserId = user,
                SourceId = "web",
                Traits = @event is null ? traits ?? [] : null,
                Properties = properties,
                Context = context,
                Timestamp = now,
                ReceivedAt = now,
            }],
            CancellationToken.None);
    }

    /// <summary>Hands every change not handed yet to the evaluator, until none is left.</summary>
    public async Task FeedAsync()
    {
        for (var batch = await Stores.ReadAsync("segments", 100, CancellationToken.None); batch.Changes.Count > 0; batch = await Stores.ReadAsync("segments", 100, CancellationToken.None))
        {
            await Processor.ProcessAsync(batch.Changes, new ProfileChangeContext(null!), CancellationToken.None);
            await Stores.CheckpointAsync("segments", batch, CancellationToken.None);
        }
    }

    /// <summary>
    /// Reads what the feed holds as Cosmos DB's change feed in latest-version mode may: only the latest version of each
    /// profile written since the last read (the versions between are skipped), and hands it to the processor once.
    /// </summary>
    public async Task FeedLatestOnlyAsync()
    {
        var batch = await Stores.ReadAsync("segments", 1000, CancellationToken.None);
        var latest = batch.Changes.GroupBy(c => c.ProfileId).Select(g => g.MaxBy(c => c.Profile.Version)!).ToList();
        await Processor.ProcessAsync(latest, new ProfileChangeContext(null!), CancellationToken.None);
        await Stores.CheckpointAsync("segments", batch, CancellationToken.None);
    }

    /// <summary>The profile holding user id <paramref name="user"/>.</summary>
    public async Task<Profile> ProfileOfAsync(string user)
    {
        var id = await Stores.FindAsync(TestDomain.Rules().KeyOf(new Identifier("user_id", user)), CancellationToken.None);
        return (await Stores.GetAsync(id!, CancellationToken.None))!.Profile;
    }

    public void Dispose() => Catalog.Dispose();
}
