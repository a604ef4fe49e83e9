using System.Text.Json;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Tests.Cosmos;

/// <summary>Every item of a container, as stored, by its read feed (the stand-in has no cross-partition queries).</summary>
internal static class CosmosReadFeed
{
    public static async Task<List<JsonElement>> AllAsync(Container container)
    {
        var items = new List<JsonElement>();
        using var feed = container.GetItemQueryStreamIterator((string?)null);
        while (feed.HasMoreResults)
        {
            using var page = await feed.ReadNextAsync();
            page.EnsureSuccessStatusCode();
            using var json = await JsonDocument.ParseAsync(page.Content);
            items.AddRange(json.RootElement.GetProperty("Documents").EnumerateArray().Select(i => i.Clone()));
        }

        return items;
    }
}
