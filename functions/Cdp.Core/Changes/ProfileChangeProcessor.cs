using Microsoft.Extensions.Logging;

namespace Cdp.Core.Changes;

/// <summary>
/// Handles a batch of profile changes from the change feed (the Cosmos DB trigger in the cloud, the
/// embedded change log locally) by handing each change to every subscriber, in order.
/// </summary>
/// <remarks>
/// A subscriber's failure fails the batch, so the feed redelivers it; subscribers are idempotent, so
/// those that already handled a change see it again harmlessly.
/// </remarks>
public sealed class ProfileChangeProcessor(IEnumerable<IProfileChangeSubscriber> subscribers, ILogger<ProfileChangeProcessor> logger)
{
    private readonly IProfileChangeSubscriber[] _subscribers = [.. subscribers];

    public async Task ProcessAsync(IReadOnlyList<ProfileChange> changes, ProfileChangeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            foreach (var subscriber in _subscribers)
            {
                await subscriber.OnProfileChangedAsync(change, context, cancellationToken);
            }
        }

        Logs.ProfileChangesProcessed(logger, changes.Count, _subscribers.Length);
    }
}
