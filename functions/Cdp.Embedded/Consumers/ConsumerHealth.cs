using System.Collections.Concurrent;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// The last success and the last error of each embedded consumer (by name, partitions folded: <c>ingest[3]</c> counts as
/// <c>ingest</c>), as the consumer loops report them, for the status API.
/// </summary>
public sealed class ConsumerHealth
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public void Succeeded(string consumer, DateTimeOffset at) =>
        _entries.AddOrUpdate(Fold(consumer), _ => new Entry(at, null, null), (_, e) => e with { LastSuccessAt = at });

    public void Failed(string consumer, DateTimeOffset at, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var text = $"{error.GetType().Name}: {error.Message}";
        _entries.AddOrUpdate(Fold(consumer), _ => new Entry(null, at, text), (_, e) => e with { LastErrorAt = at, LastError = text });
    }

    public Entry? Of(string consumer) => _entries.GetValueOrDefault(consumer);

    private static string Fold(string consumer) => consumer.IndexOf('[', StringComparison.Ordinal) is var at and > 0 ? consumer[..at] : consumer;

    public sealed record Entry(DateTimeOffset? LastSuccessAt, DateTimeOffset? LastErrorAt, string? LastError);
}
