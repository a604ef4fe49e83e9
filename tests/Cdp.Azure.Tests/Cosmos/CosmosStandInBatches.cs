using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Azure.Cosmos;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Tests.Cosmos;

/// <summary>
/// Batches on the stand-in, which has no transactional batch: every write's precondition is checked first (a create
/// against an existing item, a replace or delete against a changed ETag, an increment of an absent item), and only
/// when all hold are the writes applied, one by one. All-or-nothing for one writer at a time, which is what the
/// contract tests drive; the real batch runs when <see cref="CosmosStandIn.EndpointVariable"/> names the official
/// emulator or an account.
/// </summary>
internal sealed class CosmosStandInBatches : ICosmosBatches
{
    public async Task<CosmosBatchFailure?> ExecuteAsync(Container container, PartitionKey partitionKey, IReadOnlyList<CosmosWrite> writes, CancellationToken cancellationToken)
    {
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            var id = write.Kind == CosmosWriteKind.Create ? (string)JsonNode.Parse(write.Body)!["id"]! : write.Id;
            using var held = await container.ReadItemStreamAsync(id, partitionKey, cancellationToken: cancellationToken);
            var exists = held.StatusCode != HttpStatusCode.NotFound;
            HttpStatusCode? refused = write.Kind switch
            {
                CosmosWriteKind.Create when exists => HttpStatusCode.Conflict,
                not CosmosWriteKind.Create when !exists => HttpStatusCode.NotFound,
                CosmosWriteKind.Replace or CosmosWriteKind.Delete when held.Headers.ETag != write.IfMatch => HttpStatusCode.PreconditionFailed,
                _ => null,
            };
            if (refused is { } status)
            {
                return new CosmosBatchFailure(i, status);
            }
        }

        foreach (var write in writes)
        {
            using var applied = write.Kind switch
            {
                CosmosWriteKind.Create => await container.CreateItemStreamAsync(new MemoryStream(write.Body!), partitionKey, cancellationToken: cancellationToken),
                CosmosWriteKind.Replace => await container.ReplaceItemStreamAsync(new MemoryStream(write.Body!), write.Id, partitionKey, cancellationToken: cancellationToken),
                CosmosWriteKind.Delete => await container.DeleteItemStreamAsync(write.Id, partitionKey, cancellationToken: cancellationToken),
                _ => await IncrementAsync(container, partitionKey, write, cancellationToken),
            };
            applied.EnsureSuccessStatusCode();
        }

        return null;
    }

    private static async Task<ResponseMessage> IncrementAsync(Container container, PartitionKey partitionKey, CosmosWrite write, CancellationToken cancellationToken)
    {
        using var read = await container.ReadItemStreamAsync(write.Id, partitionKey, cancellationToken: cancellationToken);
        read.EnsureSuccessStatusCode();
        var item = (await JsonNode.ParseAsync(read.Content, cancellationToken: cancellationToken))!.AsObject();
        var name = write.Path!.TrimStart('/');
        item[name] = (long)item[name]! + write.Delta;
        return await container.ReplaceItemStreamAsync(new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(item)), write.Id, partitionKey, cancellationToken: cancellationToken);
    }
}
