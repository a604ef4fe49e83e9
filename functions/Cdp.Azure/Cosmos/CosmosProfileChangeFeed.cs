using System.Net;
using System.Text.Json;
using Cdp.Core.Changes;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The profile change feed read from Cosmos DB with the pull model (latest-version mode): each consumer's
/// continuation token is an item in the <c>leases</c> container (<c>pull.{consumer}</c>, beside the change-feed
/// trigger's own leases). For hosts other than the Function App, whose change-feed trigger keeps its own leases;
/// both turn items into changes with <see cref="CosmosProfileStore.ToChange"/>.
/// </summary>
/// <remarks>
/// One read is one page of one feed range (up to <c>maxCount</c> items); further reads go on from the
/// checkpoint round the ranges. Until a consumer checkpoints, it reads the same page again (at least once).
/// </remarks>
public sealed class CosmosProfileChangeFeed(Container profiles, Container leases) : IProfileChangeFeed
{
    public async Task<ProfileChangeBatch> ReadAsync(string consumer, int maxCount, CancellationToken cancellationToken)
    {
        var continuation = await ReadCheckpointAsync(consumer, cancellationToken);
        var start = continuation is null ? ChangeFeedStartFrom.Beginning() : ChangeFeedStartFrom.ContinuationToken(continuation);
        using var iterator = profiles.GetChangeFeedStreamIterator(start, ChangeFeedMode.LatestVersion, new ChangeFeedRequestOptions { PageSizeHint = maxCount });
        using var page = await iterator.ReadNextAsync(cancellationToken);
        var position = page.ContinuationToken ?? continuation ?? string.Empty;
        if (page.StatusCode == HttpStatusCode.NotModified)
        {
            return new ProfileChangeBatch([], position);
        }

        page.EnsureSuccessStatusCode();
        var body = await CosmosJson.ReadAsync<JsonElement>(page.Content, cancellationToken);
        return new ProfileChangeBatch([.. body.GetProperty("Documents").EnumerateArray().Select(CosmosProfileStore.ToChange)], position);
    }

    public async Task CheckpointAsync(string consumer, ProfileChangeBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Position.Length == 0)
        {
            return;
        }

        var id = CheckpointId(consumer);
        using var body = new MemoryStream(CosmosItems.ToItem(new Checkpoint(batch.Position), id));
        using var response = await leases.UpsertItemStreamAsync(body, new PartitionKey(id), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private async Task<string?> ReadCheckpointAsync(string consumer, CancellationToken cancellationToken)
    {
        var id = CheckpointId(consumer);
        using var response = await leases.ReadItemStreamAsync(id, new PartitionKey(id), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return (await CosmosJson.ReadAsync<Checkpoint>(response.Content, cancellationToken)).Continuation;
    }

    private static string CheckpointId(string consumer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumer);
        if (consumer.AsSpan().IndexOfAny("/\\?#") >= 0)
        {
            throw new ArgumentException($"A consumer name cannot hold '/', '\\', '?' or '#': '{consumer}'.", nameof(consumer));
        }

        return "pull." + consumer;
    }

    /// <summary>The checkpoint item: the continuation token to read on from (schema version 1).</summary>
    private sealed record Checkpoint(string Continuation);
}
