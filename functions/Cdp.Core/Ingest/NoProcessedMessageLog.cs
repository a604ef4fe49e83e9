namespace Cdp.Core.Ingest;

/// <summary>
/// Ingest without a processed-message log: a repeated message is then told by the memory each profile keeps of
/// the messages recently applied to it (<c>Cdp:MergePolicy:RecentMessages</c>, 128 by default), which covers a
/// redelivered batch as long as that memory holds at least a batch (the Function App's is at most 100 events).
/// The Function App's default: in Cosmos DB a log item per message (a read and a create) would cost more than
/// everything else ingest writes; see docs/decisions.md.
/// </summary>
public sealed class NoProcessedMessageLog : IProcessedMessageLog
{
    public static NoProcessedMessageLog Instance { get; } = new();

    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    public Task<IReadOnlySet<string>> FindAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken) => Task.FromResult(None);

    public Task AddAsync(IReadOnlyCollection<string> keys, DateTimeOffset processedAt, CancellationToken cancellationToken) => Task.CompletedTask;
}
