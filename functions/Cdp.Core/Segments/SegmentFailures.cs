using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Segments;

/// <summary>
/// Keeps what fails when segment rules are evaluated, so that one rule cannot stop the feed and its owner can see it:
/// each failure is counted in memory (metric <c>cdp.segments.evaluation_failures</c>) and written on the segment's
/// definition (<see cref="SegmentDefinition.Failing"/>): the first failure of a version at once, later ones at most
/// every <see cref="FlushInterval"/> per segment and instance, so a rule failing on every profile costs a write now and then.
/// </summary>
public sealed class SegmentFailures(ISegmentStore store, TimeProvider time, ILogger<SegmentFailures> logger)
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(10);

    private const int MaxAttempts = 3;

    private readonly ConcurrentDictionary<(string Id, long Version), Pending> _pending = new();

    /// <summary>Counts a failed evaluation of <paramref name="segment"/>.</summary>
    public void Record(SegmentDefinition segment, Exception error)
    {
        ArgumentNullException.ThrowIfNull(segment);
        ArgumentNullException.ThrowIfNull(error);
        var now = time.GetUtcNow();
        var pending = _pending.GetOrAdd((segment.Id, segment.Version), _ => new Pending());
        lock (pending)
        {
            pending.Count++;
            pending.Error = $"{error.GetType().Name}: {error.Message}";
            pending.First ??= now;
            pending.Last = now;
        }

        CdpMetrics.SegmentEvaluationFailures.Add(1, KeyValuePair.Create<string, object?>("segment", segment.Id));
    }

    /// <summary>Writes the failures counted since the last write of each segment when it is due (see the type's summary).</summary>
    public async Task FlushDueAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var ((id, version), pending) in _pending)
        {
            long count;
            string error;
            DateTimeOffset first, last;
            lock (pending)
            {
                if (pending.Count == 0 || (pending.Written is { } written && now - written < FlushInterval))
                {
                    continue;
                }

                (count, error, first, last) = (pending.Count, pending.Error!, pending.First!.Value, pending.Last);
                pending.Count = 0;
                pending.First = null;
                pending.Written = now;
            }

            Logs.SegmentEvaluationFailed(logger, id, version, count, error);
            if (!await WriteAsync(id, version, count, error, first, last, cancellationToken))
            {
                _pending.TryRemove((id, version), out _); // the version is gone: nothing to show it on
            }
        }
    }

    /// <summary>Adds the counted failures to the definition's; false when the definition no longer has that version.</summary>
    private async Task<bool> WriteAsync(string id, long version, long count, string error, DateTimeOffset first, DateTimeOffset last, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (await store.GetAsync(id, cancellationToken) is not { } stored || stored.Definition.Version != version)
            {
                return false;
            }

            var held = stored.Definition.Failing is { } failing && failing.Version == version ? failing : null;
            var failure = new SegmentFailure(version, (held?.Count ?? 0) + count, error, held?.FirstAt ?? first, last);
            if (await store.TryPutAsync(stored.Definition with { Failing = failure }, stored.VersionTag, cancellationToken) is not null)
            {
                return true;
            }
        }

        return true; // saved by others meanwhile, every time: the count is shown short, the metric and the log have it
    }

    private sealed class Pending
    {
        public long Count { get; set; }

        public string? Error { get; set; }

        public DateTimeOffset? First { get; set; }

        public DateTimeOffset Last { get; set; }

        public DateTimeOffset? Written { get; set; }
    }
}
