using System.Net;
using System.Text.Json;
using Cdp.Core.Privacy;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The privacy ports in Cosmos DB: erasure records in <c>erasures</c> (<c>/id</c>, the ETag as tag) and data keys in
/// <c>dataKeys</c> (<c>/id</c> = profile id, <c>wrapped</c> in base64, created once; a point read per profile
/// whose data key is not cached).
/// </summary>
public sealed class CosmosPrivacy(Container erasures, Container keys) : IErasureStore, IDataKeyStore
{
    private readonly CosmosDefinitions<Erasure> _erasures = new(erasures, e => e.Id);

    public async Task<StoredErasure?> GetAsync(string erasureId, CancellationToken cancellationToken) =>
        await _erasures.GetAsync(erasureId, cancellationToken) is { } held ? new StoredErasure(held.Definition, held.Tag) : null;

    public Task<IReadOnlyList<Erasure>> ListAsync(CancellationToken cancellationToken) => _erasures.ListAsync(cancellationToken);

    public Task<string?> TryPutAsync(Erasure erasure, string? versionTag, CancellationToken cancellationToken) =>
        _erasures.TryPutAsync(erasure, versionTag, cancellationToken);

    async Task<byte[]?> IDataKeyStore.GetAsync(string profileId, CancellationToken cancellationToken)
    {
        using var response = await keys.ReadItemStreamAsync(profileId, new PartitionKey(profileId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return (await CosmosJson.ReadAsync<JsonElement>(response.Content, cancellationToken)).GetProperty("wrapped").GetBytesFromBase64();
    }

    /// <summary>A create; only when another writer created it first (409) a read of theirs.</summary>
    public async Task<byte[]> AddOnceAsync(string profileId, byte[] wrapped, CancellationToken cancellationToken)
    {
        using (var body = new MemoryStream(CosmosItems.ToItem(new { wrapped }, profileId)))
        using (var created = await keys.CreateItemStreamAsync(body, new PartitionKey(profileId), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken))
        {
            if (created.StatusCode != HttpStatusCode.Conflict)
            {
                created.EnsureSuccessStatusCode();
                return wrapped;
            }
        }

        return await ((IDataKeyStore)this).GetAsync(profileId, cancellationToken) ?? throw new InvalidOperationException($"The data key of '{profileId}' was deleted as it was created.");
    }

    public Task<bool> DeleteAsync(string profileId, CancellationToken cancellationToken) => CosmosItems.DeleteAsync(keys, profileId, profileId, cancellationToken);

    /// <summary>A read for the item's ETag, then a replace if-match: false when it changed or went meanwhile.</summary>
    public async Task<bool> ReplaceAsync(string id, byte[] expected, byte[] replacement, CancellationToken cancellationToken)
    {
        string etag;
        using (var read = await keys.ReadItemStreamAsync(id, new PartitionKey(id), cancellationToken: cancellationToken))
        {
            if (read.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }

            read.EnsureSuccessStatusCode();
            var item = await CosmosJson.ReadAsync<JsonElement>(read.Content, cancellationToken);
            if (!item.GetProperty("wrapped").GetBytesFromBase64().AsSpan().SequenceEqual(expected))
            {
                return false;
            }

            etag = read.Headers.ETag;
        }

        using var body = new MemoryStream(CosmosItems.ToItem(new { wrapped = replacement }, id));
        using var replaced = await keys.ReplaceItemStreamAsync(body, id, new PartitionKey(id), new ItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false }, cancellationToken);
        if (replaced.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return false;
        }

        replaced.EnsureSuccessStatusCode();
        return true;
    }

    /// <summary>A page of the container's read feed (rotation, not a hot path); the cursor is Cosmos DB's continuation token.</summary>
    public async Task<DataKeyPage> ListAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        var (items, next) = await CosmosItems.ReadFeedPageAsync(keys, cursor, limit, cancellationToken);
        return new DataKeyPage([.. items.Select(item => KeyValuePair.Create(item.GetProperty("id").GetString()!, item.GetProperty("wrapped").GetBytesFromBase64()))], next);
    }
}
