using System.Collections.Concurrent;
using Cdp.Core.Privacy;

namespace Cdp.Testing.InMemory;

/// <summary>The privacy ports in memory: erasure records (with tags) and wrapped data keys.</summary>
public sealed class InMemoryPrivacy : IErasureStore, IDataKeyStore
{
    private readonly InMemoryDefinitions<Erasure> _erasures = new(e => e.Id);
    private readonly ConcurrentDictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    public Task<StoredErasure?> GetAsync(string erasureId, CancellationToken cancellationToken) =>
        Task.FromResult(_erasures.Get(erasureId) is { } held ? new StoredErasure(held.Definition, held.Tag) : null);

    public Task<IReadOnlyList<Erasure>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_erasures.List());

    public Task<string?> TryPutAsync(Erasure erasure, string? versionTag, CancellationToken cancellationToken) => Task.FromResult(_erasures.TryPut(erasure, versionTag));

    Task<byte[]?> IDataKeyStore.GetAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult(_keys.TryGetValue(profileId, out var key) ? key : null);

    public Task<byte[]> AddOnceAsync(string profileId, byte[] wrapped, CancellationToken cancellationToken) => Task.FromResult(_keys.GetOrAdd(profileId, wrapped));

    public Task<bool> DeleteAsync(string profileId, CancellationToken cancellationToken) => Task.FromResult(_keys.TryRemove(profileId, out _));

    public Task<bool> ReplaceAsync(string id, byte[] expected, byte[] replacement, CancellationToken cancellationToken) =>
        Task.FromResult(_keys.TryGetValue(id, out var held) && held.AsSpan().SequenceEqual(expected) && _keys.TryUpdate(id, replacement, held));

    public Task<DataKeyPage> ListAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        var page = _keys.Where(k => cursor is null || string.CompareOrdinal(k.Key, cursor) > 0).OrderBy(k => k.Key, StringComparer.Ordinal).Take(limit + 1).ToList();
        return Task.FromResult(new DataKeyPage([.. page.Take(limit)], page.Count > limit ? page[limit - 1].Key : null));
    }
}
