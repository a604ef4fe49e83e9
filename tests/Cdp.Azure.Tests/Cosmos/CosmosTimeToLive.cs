using System.Net;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Tests.Cosmos;

/// <summary>
/// Cosmos DB's expiry, which the stand-in does not enforce, run by the tests: deletes the items whose <c>ttl</c>
/// has passed at a time <c>elapsed</c> after now (Cosmos DB removes an item <c>ttl</c> seconds after its last
/// write, <c>_ts</c>). Items without <c>ttl</c> never expire (the containers have TTL on, with no default).
/// </summary>
internal static class CosmosTimeToLive
{
    public static async Task ExpireAsync(Container container, string partitionKeyPath, TimeSpan elapsed)
    {
        var at = DateTimeOffset.UtcNow + elapsed;
        var key = partitionKeyPath.TrimStart('/');
        foreach (var item in await CosmosReadFeed.AllAsync(container))
        {
            if (item.TryGetProperty("ttl", out var ttl)
                && DateTimeOffset.FromUnixTimeSeconds(item.GetProperty("_ts").GetInt64() + ttl.GetInt64()) <= at)
            {
                using var deleted = await container.DeleteItemStreamAsync(item.GetProperty("id").GetString(), new PartitionKey(item.GetProperty(key).GetString()));
                if (deleted.StatusCode != HttpStatusCode.NotFound)
                {
                    deleted.EnsureSuccessStatusCode();
                }
            }
        }
    }
}
