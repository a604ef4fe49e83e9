using System.Collections.Concurrent;
using Cdp.Core.Activity;

namespace Cdp.Testing.InMemory;

/// <summary>Activity minutes in memory, by minute and instance (the same contract as the SQLite and Cosmos DB adapters).</summary>
public sealed class InMemoryActivityStore : IActivityStore
{
    private readonly ConcurrentDictionary<(DateTimeOffset Minute, string Instance), ActivityMinute> _rows = new();

    public Task PutAsync(string instance, IReadOnlyList<ActivityMinute> minutes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        foreach (var minute in minutes)
        {
            _rows[(minute.Minute, instance)] = minute;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ActivityMinute>> ListAsync(DateTimeOffset from, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ActivityMinute>>([.. _rows.Values.Where(m => m.Minute >= from).OrderBy(m => m.Minute)]);
}
