namespace Cdp.Core.Changes;

/// <summary>
/// A pull-model feed of profile writes with a checkpoint per consumer: the embedded store's change log, and
/// the Cosmos DB change feed read with continuation tokens (the Function App's change-feed trigger keeps its
/// own leases instead; both hand the same <see cref="ProfileChange"/>s to <see cref="ProfileChangeProcessor"/>).
/// </summary>
/// <remarks>
/// At least once: changes after the consumer's checkpoint are delivered again until the consumer
/// checkpoints past them, so a crash between handling and checkpointing redelivers the batch. Changes of
/// one profile arrive in the order they were written, with rising versions; a feed may skip versions written
/// between two reads (Cosmos DB's latest-version mode delivers only the latest), never the latest. A deleted
/// profile arrives as its tombstone. A consumer without a checkpoint starts at the beginning.
/// </remarks>
public interface IProfileChangeFeed
{
    /// <summary>Up to <paramref name="maxCount"/> changes after <paramref name="consumer"/>'s checkpoint, oldest first.</summary>
    Task<ProfileChangeBatch> ReadAsync(string consumer, int maxCount, CancellationToken cancellationToken);

    /// <summary>Moves <paramref name="consumer"/>'s checkpoint past <paramref name="batch"/>.</summary>
    Task CheckpointAsync(string consumer, ProfileChangeBatch batch, CancellationToken cancellationToken);
}

/// <summary>Changes read from the feed, and the position (opaque to callers) to checkpoint once they are handled.</summary>
public sealed record ProfileChangeBatch(IReadOnlyList<ProfileChange> Changes, string Position);
