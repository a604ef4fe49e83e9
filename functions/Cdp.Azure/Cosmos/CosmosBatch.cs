using System.Net;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>One write of an all-or-nothing batch (see <see cref="ICosmosBatches"/>).</summary>
public sealed record CosmosWrite(CosmosWriteKind Kind, string Id, byte[]? Body = null, string? IfMatch = null, string? Path = null, long Delta = 0)
{
    /// <summary>Creates the item; fails with 409 when its id is taken in the partition.</summary>
    public static CosmosWrite Create(string id, byte[] body) => new(CosmosWriteKind.Create, id, body);

    /// <summary>Replaces the item against its ETag; fails with 412 when it changed.</summary>
    public static CosmosWrite Replace(string id, byte[] body, string etag) => new(CosmosWriteKind.Replace, id, body, etag);

    /// <summary>Deletes the item against its ETag; fails with 412 when it changed, 404 when it is gone.</summary>
    public static CosmosWrite Delete(string id, string etag) => new(CosmosWriteKind.Delete, id, IfMatch: etag);

    /// <summary>Adds <paramref name="delta"/> to the number at <paramref name="path"/>; fails with 404 when the item is absent.</summary>
    public static CosmosWrite Increment(string id, string path, long delta) => new(CosmosWriteKind.Increment, id, Path: path, Delta: delta);
}

public enum CosmosWriteKind
{
    Create,
    Replace,
    Delete,
    Increment,
}

/// <summary>The write of a batch that failed (by its position) and why; the other writes were not applied.</summary>
public sealed record CosmosBatchFailure(int Index, HttpStatusCode Status)
{
    public InvalidOperationException Unexpected() =>
        new($"A Cosmos DB batch failed at write {Index} with {(int)Status} {Status}.");
}

/// <summary>
/// Writes to items of one logical partition that happen together or not at all. In Cosmos DB this is a transactional
/// batch (<see cref="Transactional"/>); the seam exists because the local stand-in has no batches (tests run the
/// writes one by one there, and the real batch against the official emulator: docs/decisions.md, 2026-12-04).
/// </summary>
public interface ICosmosBatches
{
    /// <summary>Null when every write was applied; otherwise the write that failed, and none was applied.</summary>
    Task<CosmosBatchFailure?> ExecuteAsync(Container container, PartitionKey partitionKey, IReadOnlyList<CosmosWrite> writes, CancellationToken cancellationToken);

    /// <summary>Cosmos DB's transactional batch.</summary>
    static ICosmosBatches Transactional { get; } = new CosmosTransactionalBatches();
}

internal sealed class CosmosTransactionalBatches : ICosmosBatches
{
    public async Task<CosmosBatchFailure?> ExecuteAsync(Container container, PartitionKey partitionKey, IReadOnlyList<CosmosWrite> writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(writes);
        var batch = container.CreateTransactionalBatch(partitionKey);
        var quiet = new TransactionalBatchItemRequestOptions { EnableContentResponseOnWrite = false };
        foreach (var write in writes)
        {
            batch = write.Kind switch
            {
                CosmosWriteKind.Create => batch.CreateItemStream(new MemoryStream(write.Body!), quiet),
                CosmosWriteKind.Replace => batch.ReplaceItemStream(write.Id, new MemoryStream(write.Body!), new TransactionalBatchItemRequestOptions { IfMatchEtag = write.IfMatch, EnableContentResponseOnWrite = false }),
                CosmosWriteKind.Delete => batch.DeleteItem(write.Id, new TransactionalBatchItemRequestOptions { IfMatchEtag = write.IfMatch }),
                CosmosWriteKind.Increment => batch.PatchItem(write.Id, [PatchOperation.Increment(write.Path!, write.Delta)], new TransactionalBatchPatchItemRequestOptions { EnableContentResponseOnWrite = false }),
                _ => throw new ArgumentOutOfRangeException(nameof(writes), write.Kind, "Unknown write."),
            };
        }

        using var response = await batch.ExecuteAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        // The write that failed has its own status; the others answer 424 (failed dependency).
        for (var i = 0; i < response.Count; i++)
        {
            if (response[i].StatusCode is not HttpStatusCode.FailedDependency && !response[i].IsSuccessStatusCode)
            {
                return new CosmosBatchFailure(i, response[i].StatusCode);
            }
        }

        // The batch as a whole was refused (throttled, too large, unavailable): the caller's retry policy decides.
        throw new CosmosException(response.ErrorMessage ?? "The batch failed.", response.StatusCode, 0, response.ActivityId, response.RequestCharge);
    }
}
