namespace Cdp.Core.DeadLetters;

/// <summary>
/// Keeps dead letters until they are replayed (a blob container in the cloud, SQLite locally). Writes are
/// idempotent by <see cref="DeadLetter.Id"/>: writing the same letter twice keeps one.
/// </summary>
public interface IDeadLetterStore
{
    Task AddAsync(DeadLetter letter, CancellationToken cancellationToken);

    Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="maxCount"/> letters, oldest first. An admin operation: it may scan.</summary>
    Task<IReadOnlyList<DeadLetter>> ListAsync(int maxCount, CancellationToken cancellationToken);

    /// <summary>Removes a letter (after a successful replay); removing a missing one is not an error.</summary>
    Task RemoveAsync(string id, CancellationToken cancellationToken);
}
