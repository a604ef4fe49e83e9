using System.Net;
using System.Text.Json;
using Cdp.Core.Events;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// Saved definitions (segments, journeys) in a container partitioned by <c>/id</c>: point reads and writes by id,
/// the ETag as version tag, listed by read feed (a handful of small items).
/// </summary>
internal sealed class CosmosDefinitions<T>(Container container, Func<T, string> idOf)
{
    public async Task<(T Definition, string Tag)?> GetAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await container.ReadItemStreamAsync(id, new PartitionKey(id), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return (await CosmosJson.ReadAsync<T>(response.Content, cancellationToken), response.Headers.ETag);
    }

    public async Task<IReadOnlyList<T>> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        using var feed = container.GetItemQueryStreamIterator((string?)null);
        while (feed.HasMoreResults)
        {
            using var page = await feed.ReadNextAsync(cancellationToken);
            page.EnsureSuccessStatusCode();
            var body = await CosmosJson.ReadAsync<JsonElement>(page.Content, cancellationToken);
            items.AddRange(body.GetProperty("Documents").EnumerateArray().Select(d => d.Deserialize<T>(CdpJson.Options)!));
        }

        return [.. items.OrderBy(idOf, StringComparer.Ordinal)];
    }

    /// <summary>Creates (<paramref name="versionTag"/> null) or replaces against the ETag; the new ETag, or null.</summary>
    public async Task<string?> TryPutAsync(T definition, string? versionTag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var id = idOf(definition);
        using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(definition, CdpJson.Options));
        using var response = versionTag is null
            ? await container.CreateItemStreamAsync(body, new PartitionKey(id), cancellationToken: cancellationToken)
            : await container.ReplaceItemStreamAsync(body, id, new PartitionKey(id), new ItemRequestOptions { IfMatchEtag = versionTag }, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return response.Headers.ETag;
    }

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) => CosmosItems.DeleteAsync(container, id, id, cancellationToken);
}
