using System.Net;
using System.Text.Json;
using Cdp.Core.Events;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>The two item operations the append-only containers share: create once, and read one partition.</summary>
internal static class CosmosItems
{
    /// <summary>
    /// A record as an item: its JSON with <c>schemaVersion</c> (the shape's version) and, when
    /// given, the item <c>id</c> and its time to live (<c>ttl</c>, whole seconds: Cosmos DB removes the item that
    /// long after its last write; the container must have TTL on).
    /// </summary>
    public static byte[] ToItem<T>(T record, string? id = null, TimeSpan? timeToLive = null, int schemaVersion = 1)
    {
        var json = JsonSerializer.SerializeToNode(record, CdpJson.Options)!.AsObject();
        json["schemaVersion"] = schemaVersion;
        if (id is not null)
        {
            json["id"] = id;
        }

        if (timeToLive is { } ttl)
        {
            json["ttl"] = Seconds(ttl);
        }

        return JsonSerializer.SerializeToUtf8Bytes(json, CdpJson.Options);
    }

    /// <summary>A time to live as Cosmos DB takes it: whole seconds.</summary>
    public static int Seconds(TimeSpan timeToLive) => (int)Math.Ceiling(timeToLive.TotalSeconds);

    /// <summary>Creates the item; an item with that id already in the partition (409) is the same record, written before.</summary>
    public static async Task CreateOnceAsync(Container container, byte[] json, string partitionKey, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(json);
        using var response = await container.CreateItemStreamAsync(body, new PartitionKey(partitionKey), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Conflict)
        {
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Deletes the item; false when it was not there.</summary>
    public static async Task<bool> DeleteAsync(Container container, string id, string partitionKey, CancellationToken cancellationToken)
    {
        using var response = await container.DeleteItemStreamAsync(id, new PartitionKey(partitionKey), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        return true;
    }

    /// <summary>Deletes the items of one partition that <paramref name="where"/> selects (<c>c.…</c>, with <paramref name="parameters"/>); how many.</summary>
    public static async Task<int> DeleteWhereAsync(Container container, string partitionKey, string where, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var query = new QueryDefinition("SELECT c.id FROM c WHERE " + where);
        foreach (var (name, value) in parameters)
        {
            query = query.WithParameter(name, value);
        }

        var deleted = 0;
        foreach (var item in await QueryAsync<JsonElement>(container, query, partitionKey, cancellationToken))
        {
            deleted += await DeleteAsync(container, item.GetProperty("id").GetString()!, partitionKey, cancellationToken) ? 1 : 0;
        }

        return deleted;
    }

    /// <summary>Every item of one partition (of every partition when <paramref name="partitionKey"/> is null: admin queries only) that the query selects.</summary>
    public static async Task<IReadOnlyList<T>> QueryAsync<T>(Container container, QueryDefinition query, string? partitionKey, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        using var feed = container.GetItemQueryStreamIterator(query, requestOptions: new QueryRequestOptions { PartitionKey = partitionKey is null ? null : new PartitionKey(partitionKey) });
        while (feed.HasMoreResults)
        {
            using var page = await feed.ReadNextAsync(cancellationToken);
            page.EnsureSuccessStatusCode();
            var documents = await CosmosJson.ReadAsync<JsonElement>(page.Content, cancellationToken);
            foreach (var document in documents.GetProperty("Documents").EnumerateArray())
            {
                items.Add(document.Deserialize<T>(CdpJson.Options)!);
            }
        }

        return items;
    }

    /// <summary>
    /// One page of the container's read feed (admin jobs, not a hot path): its items (cloned out of the response) and
    /// Cosmos DB's continuation token for the next page (null after the last).
    /// </summary>
    public static async Task<(IReadOnlyList<JsonElement> Items, string? Next)> ReadFeedPageAsync(Container container, string? continuation, int max, CancellationToken cancellationToken)
    {
        using var feed = container.GetItemQueryStreamIterator((string?)null, continuation, new QueryRequestOptions { MaxItemCount = max });
        if (!feed.HasMoreResults)
        {
            return ([], null);
        }

        using var page = await feed.ReadNextAsync(cancellationToken);
        page.EnsureSuccessStatusCode();
        var body = await CosmosJson.ReadAsync<JsonElement>(page.Content, cancellationToken);
        return ([.. body.GetProperty("Documents").EnumerateArray().Select(item => item.Clone())], page.ContinuationToken);
    }
}
