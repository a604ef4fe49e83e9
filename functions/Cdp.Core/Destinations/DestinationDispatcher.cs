using System.Collections.Concurrent;
using System.Text.Json;
using Cdp.Core.Changes;
using Cdp.Core.Events;
using Cdp.Core.Privacy;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Destinations;

/// <summary>
/// What the destination consumers of both hosts call: the messages of the event stream to an event destination, the
/// profile changes of the change feed to an audience destination. Cdp.Local runs one consumer per destination with its
/// own checkpoints; the Function App hands every destination the same batch at once (<see cref="DeliverMessagesToAllAsync"/>,
/// <see cref="DeliverChangesToAllAsync"/>), each bounded by its retries, so a failing one holds the others for no more
/// than its retry budget.
/// </summary>
/// <remarks>
/// Changes go through a <see cref="ProfileChangeProcessor"/> of the destination's own (its versions handled, catch-ups
/// when versions were skipped, personal values in clear), so an audience destination sees each entry and exit once per
/// version even when the feed redelivers or skips versions.
/// </remarks>
public sealed class DestinationDispatcher(
    DestinationCatalog catalog,
    DestinationItems items,
    DestinationDelivery delivery,
    ILoggerFactory loggers,
    PersonalDataProtector? protector = null)
{
    private readonly ConcurrentDictionary<string, ProfileChangeProcessor> _processors = new(StringComparer.Ordinal);
    private readonly AsyncLocal<Collecting?> _collecting = new();
    private readonly DestinationItems _items = items;

    public async Task DeliverMessagesAsync(DestinationDefinition destination, IReadOnlyList<Message> messages, CancellationToken cancellationToken) =>
        await delivery.DeliverAsync(destination, await _items.FromMessagesAsync(destination, messages, cancellationToken), cancellationToken);

    public async Task DeliverChangesAsync(DestinationDefinition destination, IReadOnlyList<ProfileChange> changes, ProfileChangeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var processor = _processors.GetOrAdd(destination.Id, _ => new ProfileChangeProcessor([new Collector(this)], loggers.CreateLogger<ProfileChangeProcessor>(), protector));
        var collecting = new Collecting(destination, new SelectedItems());
        _collecting.Value = collecting;
        try
        {
            await processor.ProcessAsync(changes, context, cancellationToken);
            await delivery.DeliverAsync(destination, collecting.Selected, cancellationToken);
        }
        catch
        {
            // The processor counts these versions handled once their items are collected, before they are delivered: a
            // batch that fails comes again, and a processor that remembered them would skip it. A fresh one reacts to
            // the profiles' state instead (at least once).
            _processors.TryRemove(KeyValuePair.Create(destination.Id, processor));
            throw;
        }
        finally
        {
            _collecting.Value = null;
        }
    }

    /// <summary>The Function App's event consumer: the batch to every enabled event destination at once.</summary>
    public async Task DeliverMessagesToAllAsync(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        var destinations = (await catalog.CurrentAsync(cancellationToken)).Where(d => d.Enabled && d.ReceivesEvents);
        await Task.WhenAll(destinations.Select(d => DeliverMessagesAsync(d, messages, cancellationToken)));
    }

    /// <summary>
    /// The Function App's event consumer, given the events as Event Hubs holds them: those that are not readable messages
    /// are skipped here (ingest, reading the same events, keeps them as dead letters).
    /// </summary>
    public Task DeliverJsonToAllAsync(IReadOnlyList<string> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var messages = new List<Message>(events.Count);
        foreach (var body in events)
        {
            try
            {
                if (JsonSerializer.Deserialize<Message>(body, CdpJson.Options) is { MessageId.Length: > 0 } message)
                {
                    messages.Add(message);
                }
            }
            catch (JsonException)
            {
            }
        }

        return DeliverMessagesToAllAsync(messages, cancellationToken);
    }

    /// <summary>The Function App's audience consumer: the changes to every enabled audience destination at once.</summary>
    public async Task DeliverChangesToAllAsync(IReadOnlyList<ProfileChange> changes, ProfileChangeContext context, CancellationToken cancellationToken)
    {
        var destinations = (await catalog.CurrentAsync(cancellationToken)).Where(d => d.Enabled && !d.ReceivesEvents);
        await Task.WhenAll(destinations.Select(d => DeliverChangesAsync(d, changes, context, cancellationToken)));
    }

    /// <summary>Forgets what a deleted destination's processor remembered.</summary>
    public void Forget(string destinationId) => _processors.TryRemove(destinationId, out _);

    private sealed record Collecting(DestinationDefinition Destination, SelectedItems Selected);

    /// <summary>Adds each change's items to the batch being collected in this async flow.</summary>
    private sealed class Collector(DestinationDispatcher dispatcher) : IProfileChangeSubscriber
    {
        public Task OnProfileChangedAsync(ProfileChange change, ProfileChangeContext context, CancellationToken cancellationToken)
        {
            var collecting = dispatcher._collecting.Value ?? throw new InvalidOperationException("Changes are handed to a destination through DeliverChangesAsync.");
            var found = dispatcher._items.FromChange(collecting.Destination, change);
            collecting.Selected.Items.AddRange(found.Items);
            collecting.Selected.Unmappable.AddRange(found.Unmappable);
            collecting.Selected.Withheld += found.Withheld;
            collecting.Selected.Filtered += found.Filtered;
            return Task.CompletedTask;
        }
    }
}
