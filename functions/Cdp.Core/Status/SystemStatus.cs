using Cdp.Core.DeadLetters;

namespace Cdp.Core.Status;

/// <summary>
/// One consumer as <c>GET /api/status</c> shows it: what it reads (<see cref="Reads"/>: the event stream or the profile
/// change feed), how far behind it is (items after its checkpoints and how old the oldest of them is; null where the
/// host cannot tell), and its last success and error.
/// </summary>
public sealed record ConsumerStatus(
    string Name,
    string Reads,
    long? Behind = null,
    double? SecondsBehind = null,
    DateTimeOffset? LastSuccessAt = null,
    DateTimeOffset? LastErrorAt = null,
    string? LastError = null)
{
    public const string Events = "events";
    public const string Changes = "changes";
    public const string Schedule = "schedule";
}

/// <summary>The host's consumers and how far behind each is (Cdp.Local: the embedded log and change log).</summary>
public interface IConsumerStatusSource
{
    Task<IReadOnlyList<ConsumerStatus>> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>What <c>GET /api/status</c> answers: the consumers, and the dead letters waiting by stage (counted up to <see cref="StatusService.MaxCounted"/>; <see cref="DeadLettersCapped"/> when there are more).</summary>
public sealed record SystemStatus(DateTimeOffset At, IReadOnlyList<ConsumerStatus> Consumers, IReadOnlyDictionary<string, long> DeadLetters, bool DeadLettersCapped = false);

/// <summary>
/// The operational view of a host: every consumer's lag and last error, and the dead letters waiting to be replayed
/// or deleted, by stage. Cheap enough to poll (a few queries); <c>/api/health</c> stays the liveness answer.
/// </summary>
public sealed class StatusService(IEnumerable<IConsumerStatusSource> sources, IDeadLetterStore deadLetters, TimeProvider time)
{
    /// <summary>The most dead letters counted per call (pages of 1,000).</summary>
    public const int MaxCounted = 10_000;

    public async Task<SystemStatus> ReadAsync(CancellationToken cancellationToken)
    {
        var consumers = new List<ConsumerStatus>();
        foreach (var source in sources)
        {
            consumers.AddRange(await source.ReadAsync(cancellationToken));
        }

        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        string? after = null;
        var counted = 0;
        do
        {
            var page = await deadLetters.ListAsync(new DeadLetterQuery(after, 1000), cancellationToken);
            foreach (var letter in page.Letters)
            {
                counts[letter.Stage] = counts.GetValueOrDefault(letter.Stage) + 1;
            }

            counted += page.Letters.Count;
            after = page.Next;
        }
        while (after is not null && counted < MaxCounted);

        return new SystemStatus(time.GetUtcNow(), [.. consumers.OrderBy(c => c.Name, StringComparer.Ordinal)], counts, after is not null);
    }
}
