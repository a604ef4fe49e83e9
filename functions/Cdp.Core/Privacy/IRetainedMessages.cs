using System.Text.Json.Nodes;

namespace Cdp.Core.Privacy;

/// <summary>
/// Raw messages a host keeps after processing them, for redelivery: the local event log keeps them for its retention,
/// as Event Hubs does in the cloud. An erasure removes the person's from what has been processed.
/// </summary>
public interface IRetainedMessages
{
    /// <summary>
    /// Removes, from the messages every consumer has processed, each one <paramref name="mentions"/> is true of (given the
    /// message as JSON); a record that keeps others' messages is rewritten with those. How many messages it removed.
    /// </summary>
    Task<int> RemoveAsync(Func<JsonNode?, bool> mentions, CancellationToken cancellationToken);
}

/// <summary>No messages kept that can be removed one by one: Event Hubs cannot delete an event; they age out with its retention.</summary>
public sealed class NoRetainedMessages : IRetainedMessages
{
    public static NoRetainedMessages Instance { get; } = new();

    public Task<int> RemoveAsync(Func<JsonNode?, bool> mentions, CancellationToken cancellationToken) => Task.FromResult(0);
}
