namespace Cdp.Core.Changes;

/// <summary>
/// A pull-model feed of profile writes with a checkpoint per consumer (the embedded store's change log;
/// in the cloud the Cosmos DB change-feed trigger keeps its own leases and does not use this port).
/// </summary>
/// <remarks>
/// At least once: changes after the consumer's checkpoint are delivered again until the consumer
/// checkpoints past them, so a crash between handling and checkpointing redelivers the batch. Changes of
/// one profile arrive in the order they were written.
/// </remarks>
public interface IProfileChangeFeed
{
    /// <summary>Up to <paramref name="maxCount"/> changes after <paramref name="consumer"/>'s checkpoint, oldest first.</summary>
    Task<ProfileChangeBatch> ReadAsync(string consumer, int maxCount, CancellationToken cancellationToken);

    /// <summary>Moves <paramref name="consumer"/>'s checkpoint past <paramref name="batch"/>.</summary>
    Task CheckpointAsync(string consumer, ProfileChangeBatch batch, CancellationToken cancellationToken);
}

/// <summary>Changes read from the feed, and the position to checkpoint once they are handled.</summary>
public sealed record ProfileChangeBatch(IReadOnlyList<ProfileChange> Changes, long Position);
