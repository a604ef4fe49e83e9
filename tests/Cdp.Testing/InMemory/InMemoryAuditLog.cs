using System.Collections.Concurrent;
using Cdp.Core.Privacy;

namespace Cdp.Testing.InMemory;

/// <summary>The audit log in memory: appended, read by time range and filters, newest first.</summary>
public sealed class InMemoryAuditLog : IAuditLog
{
    private readonly ConcurrentDictionary<string, AuditEntry> _entries = new(StringComparer.Ordinal);

    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _entries.TryAdd(entry.Id, entry);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Task.FromResult<IReadOnlyList<AuditEntry>>([.. _entries.Values
            .Where(e => e.At >= query.From && e.At < query.To)
            .Where(e => (query.ProfileId is null || e.ProfileId == query.ProfileId) && (query.Actor is null || e.Actor == query.Actor) && (query.Action is null || e.Action == query.Action))
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Id, StringComparer.Ordinal)
            .Take(query.Limit)]);
    }
}
