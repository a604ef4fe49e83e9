namespace Cdp.Core.DeadLetters;

/// <summary>
/// Keeps dead letters until they are replayed, deleted or expire (<see cref="Retention"/>; a blob container in the
/// cloud, SQLite locally). Writes are idempotent by <see cref="DeadLetter.Id"/>: writing the same letter twice keeps one.
/// </summary>
public interface IDeadLetterStore
{
    /// <summary>How long a letter is kept when nobody replays or deletes it: 30 days from when it was written.</summary>
    static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    Task AddAsync(DeadLetter letter, CancellationToken cancellationToken);

    Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// One page of letters in id order (collect letters' ids are time-ordered), those of a stage or source when the
    /// query says so, after the query's cursor; the page's <see cref="DeadLetterPage.Next"/> continues it. An admin
    /// operation.
    /// </summary>
    Task<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken);

    /// <summary>Removes a letter (after a successful replay); removing a missing one is not an error.</summary>
    Task RemoveAsync(string id, CancellationToken cancellationToken);
}

/// <summary>Which letters to list: after a cursor (from the previous page), at most <paramref name="Max"/>, of a stage or a source.</summary>
public sealed record DeadLetterQuery(string? After = null, int Max = 100, string? Stage = null, string? SourceId = null)
{
    public bool Matches(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return (Stage is null || letter.Stage == Stage) && (SourceId is null || letter.SourceId == SourceId);
    }
}

/// <summary>A page of letters; <paramref name="Next"/> is the cursor of the next page, null after the last.</summary>
public sealed record DeadLetterPage(IReadOnlyList<DeadLetter> Letters, string? Next);

public static class DeadLetterStoreExtensions
{
    /// <summary>Up to <paramref name="maxCount"/> letters: the first page in id order.</summary>
    public static async Task<IReadOnlyList<DeadLetter>> ListAsync(this IDeadLetterStore store, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return (await store.ListAsync(new DeadLetterQuery(Max: maxCount), cancellationToken)).Letters;
    }
}
