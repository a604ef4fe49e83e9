using System.Net;
using Cdp.Core.Ingest;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The processed-message log in the Cosmos DB <c>messages</c> container (partition key <c>/id</c>), one
/// small item per message, expired by the container's default TTL (set by Bicep to the retention).
/// Point operations only: a read to check, a create to record (409 = already recorded).
/// </summary>
public sealed class CosmosProcessedMessageLog(Container messages) : IProcessedMessageLog
{
    public async Task<bool> ContainsAsync(string key, CancellationToken cancellationToken)
    {
        using var response = await messages.ReadItemStreamAsync(key, new PartitionKey(key), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        return true;
    }

    public async Task AddAsync(string key, DateTimeOffset processedAt, CancellationToken cancellationToken)
    {
        try
        {
            await messages.CreateItemAsync(new ProcessedMessage(key, processedAt), new PartitionKey(key), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Already recorded.
        }
    }

    internal sealed record ProcessedMessage(string Id, DateTimeOffset ProcessedAt);
}
