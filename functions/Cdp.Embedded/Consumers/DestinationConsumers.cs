using Cdp.Core.Changes;
using Cdp.Core.Destinations;
using Cdp.Core.Journeys;
using Cdp.Embedded.Sqlite;
using Cdp.Embedded.Streaming;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// One consumer per enabled destination, each with its own checkpoints (consumer <c>destination:{id}</c>), so a slow or
/// failing destination holds back nobody else: an event destination reads the embedded log (one loop per partition,
/// only what ingest has applied, from the moment it was created), an audience destination the profile change log (from
/// the beginning: the latest state of every profile, so its segments' current members enter first). Destinations saved or
/// deleted over the API are picked up within <see cref="LookEvery"/>; a deleted one's checkpoints are removed.
/// </summary>
public sealed class DestinationConsumers(
    DestinationCatalog catalog,
    DestinationDispatcher dispatcher,
    SqliteEventLog log,
    SqliteProfileStore feed,
    IJourneyRuntime journeys,
    TimeProvider time,
    ILogger<DestinationConsumers> logger,
    ConsumerHealth? health = null) : BackgroundService, IDestinationBacklog
{
    public static readonly TimeSpan LookEvery = TimeSpan.FromSeconds(1);

    public const int BatchSize = 100;

    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);

    public Task<long?> ReadAsync(DestinationDefinition destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return Task.FromResult<long?>(destination.ReceivesEvents ? log.Backlog(destination.Consumer) : feed.Backlog(destination.Consumer));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ReconcileAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Logs.ConsumerFailed(logger, ex, "destinations", LookEvery);
                }

                await Task.Delay(LookEvery, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var running in _running.Values)
            {
                await running.StopAsync();
            }
        }
    }

    /// <summary>Starts a consumer for each enabled destination without one, stops those of destinations gone, disabled or switched between events and audiences.</summary>
    private async Task ReconcileAsync(CancellationToken stoppingToken)
    {
        var destinations = (await catalog.CurrentAsync(stoppingToken)).ToDictionary(d => d.Id, StringComparer.Ordinal);
        foreach (var (id, running) in _running.ToList())
        {
            if (destinations.GetValueOrDefault(id) is { Enabled: true } now && now.ReceivesEvents == running.Events)
            {
                continue;
            }

            await running.StopAsync();
            _running.Remove(id);
            if (!destinations.TryGetValue(id, out var saved) || saved.ReceivesEvents != running.Events)
            {
                // Gone (or its kind changed): its checkpoints would hold back pruning, and a new one starts afresh.
                var consumer = "destination:" + id;
                log.Forget(consumer);
                feed.Forget(consumer);
                dispatcher.Forget(id);
            }
        }

        foreach (var destination in destinations.Values.Where(d => d.Enabled))
        {
            if (!_running.ContainsKey(destination.Id))
            {
                _running[destination.Id] = await StartAsync(destination, stoppingToken);
            }
        }
    }

    private async Task<Running> StartAsync(DestinationDefinition destination, CancellationToken stoppingToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var id = destination.Id;
        Task loop;
        if (destination.ReceivesEvents)
        {
            await log.StartFromAsync(destination.Consumer, destination.CreatedAt, stoppingToken);
            loop = Task.WhenAll(Enumerable.Range(0, log.PartitionCount).Select(partition =>
                ConsumerLoop.RunAsync($"{destination.Consumer}[{partition}]", ct => EventsAsync(id, partition, ct), log.Appended, time, logger, stop.Token, health)));
        }
        else
        {
            loop = ConsumerLoop.RunAsync(destination.Consumer, ct => ChangesAsync(id, ct), feed.Changed, time, logger, stop.Token, health);
        }

        return new Running(destination.ReceivesEvents, stop, loop);
    }

    private async Task<bool> EventsAsync(string id, int partition, CancellationToken cancellationToken) =>
        await CurrentAsync(id, events: true, cancellationToken) is { } destination
        && await DeliverEventsOnceAsync(log, dispatcher, destination, partition, cancellationToken);

    private async Task<bool> ChangesAsync(string id, CancellationToken cancellationToken) =>
        await CurrentAsync(id, events: false, cancellationToken) is { } destination
        && await DeliverChangesOnceAsync(feed, dispatcher, destination, journeys, cancellationToken);

    /// <summary>
    /// One step of an event destination's consumer on a partition: what ingest has applied after its checkpoint, delivered,
    /// then the checkpoint moved past it. A crash before the checkpoint delivers the batch again (at least once); false
    /// when there was nothing to read.
    /// </summary>
    internal static async Task<bool> DeliverEventsOnceAsync(SqliteEventLog log, DestinationDispatcher dispatcher, DestinationDefinition destination, int partition, CancellationToken cancellationToken)
    {
        var batch = await log.ReadAsync(destination.Consumer, partition, BatchSize, cancellationToken, notPast: IngestConsumer.Name);
        if (batch.Messages.Count == 0)
        {
            return false;
        }

        await dispatcher.DeliverMessagesAsync(destination, batch.Messages, cancellationToken);
        await log.CheckpointAsync(destination.Consumer, batch, cancellationToken);
        return true;
    }

    /// <summary>One step of an audience destination's consumer on the change log, as <see cref="DeliverEventsOnceAsync"/>.</summary>
    internal static async Task<bool> DeliverChangesOnceAsync(SqliteProfileStore feed, DestinationDispatcher dispatcher, DestinationDefinition destination, IJourneyRuntime journeys, CancellationToken cancellationToken)
    {
        var batch = await feed.ReadAsync(destination.Consumer, BatchSize, cancellationToken);
        if (batch.Changes.Count == 0)
        {
            return false;
        }

        await dispatcher.DeliverChangesAsync(destination, batch.Changes, new ProfileChangeContext(journeys), cancellationToken);
        await feed.CheckpointAsync(destination.Consumer, batch, cancellationToken);
        return true;
    }

    /// <summary>The destination as saved now (a change on this host applies from the next batch), or null once it is gone, paused or of the other kind.</summary>
    private async Task<DestinationDefinition?> CurrentAsync(string id, bool events, CancellationToken cancellationToken) =>
        (await catalog.CurrentAsync(cancellationToken)).FirstOrDefault(d => d.Id == id && d.Enabled && d.ReceivesEvents == events);

    private sealed record Running(bool Events, CancellationTokenSource Stop, Task Loop)
    {
        public async Task StopAsync()
        {
            await Stop.CancelAsync();
            try
            {
                await Loop;
            }
            catch (OperationCanceledException)
            {
            }

            Stop.Dispose();
        }
    }
}
