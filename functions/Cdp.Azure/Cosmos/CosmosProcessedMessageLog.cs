using System.Net;
using Cdp.Core.Ingest;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The processed-message log in the Cosmos DB <c>messages</c> container (partition key <c>/id</c>), one
/// small item per message, expiring after <see cref="IProcessedMessageLog.Retention"/> (item <c>ttl</c>).
/// Point operations only, issued concurrently for a batch: a read to check, a create to record (409 =
/// already recorded).
/// </summary>
public sealed class CosmosProcessedMessageLog(Container messages) : IProcessedMessageLog
{
    public async Task<IReadOnlySet<string>> FindAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var found = await Task.WhenAll(keys.Select(async key => await ContainsAsync(key, cancellationToken) ? key : null));
        return found.OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    public Task AddAsync(IReadOnlyCollection<string> keys, DateTimeOffset processedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return Task.WhenAll(keys.Select(key => AddAsync(key, processedAt, cancellationToken)));
    }

    private async Task<bool> ContainsAsync(string key, CancellationToken cancellationToken)
    {
        using var response = await messages.ReadItemStreamAsync(key, new PartitionKey(key), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        return true;
    }

    private async Task AddAsync(string key, DateTimeOffset processedAt, CancellationToken cancellationToken)
    {
        try
        {
            await messages.CreateItemAsync(new ProcessedMessage(key, processedAt, CosmosItems.Seconds(IProcessedMessageLog.Retention)), new PartitionKey(key), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Already recorded.
        }
    }

    /// <summary>The item: the message's key, when it was applied and its time to live in seconds (schema version 1).</summary>
    internal sealed record ProcessedMessage(string Id, DateTimeOffset ProcessedAt, int Ttl, int SchemaVersion = 1);
}
