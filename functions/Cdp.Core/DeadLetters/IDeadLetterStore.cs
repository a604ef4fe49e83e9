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

    /// <summary>
    /// How many letters wait, by stage, counting at most <paramref name="max"/> (<see cref="DeadLetterCounts.Capped"/>
    /// when there are more): for the status API and its timer. Stores count without reading the letters' bodies; this
    /// default pages through <see cref="ListAsync"/>.
    /// </summary>
    async Task<DeadLetterCounts> CountAsync(int max, CancellationToken cancellationToken)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var counted = 0;
        string? after = null;
        do
        {
            var page = await ListAsync(new DeadLetterQuery(after, Math.Min(1000, max - counted)), cancellationToken);
            foreach (var letter in page.Letters)
            {
                counts[letter.Stage] = counts.GetValueOrDefault(letter.Stage) + 1;
            }

            counted += page.Letters.Count;
            after = page.Next;
        }
        while (after is not null && counted < max);

        return new DeadLetterCounts(counts, after is not null);
    }
}

/// <summary>Letters waiting by stage, and whether there were more than were counted.</summary>
public sealed record DeadLetterCounts(IReadOnlyDictionary<string, long> ByStage, bool Capped);

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
