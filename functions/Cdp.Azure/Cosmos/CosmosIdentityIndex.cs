using System.Net;
using Cdp.Core.Identity;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The identity index in the Cosmos DB <c>identities</c> container (partition key <c>/id</c>): one item per
/// identifier keyed by <see cref="Identifier.IndexKey"/>, claimed with a create (409 means another profile holds it).
/// </summary>
public sealed class CosmosIdentityIndex(Container identities, TimeProvider time) : IIdentityIndex
{
    public async Task<string?> FindAsync(Identifier identifier, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var id = identifier.IndexKey;
        using var response = await identities.ReadItemStreamAsync(id, new PartitionKey(id), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return (await CosmosJson.ReadAsync<IdentityEntry>(response.Content, cancellationToken)).ProfileId;
    }

    public async Task<string> ClaimAsync(Identifier identifier, string profileId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var id = identifier.IndexKey;
        try
        {
            await identities.CreateItemAsync(
                new IdentityEntry(id, profileId, time.GetUtcNow()),
                new PartitionKey(id),
                new ItemRequestOptions { EnableContentResponseOnWrite = false },
                cancellationToken);
            return profileId;
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            return await FindAsync(identifier, cancellationToken)
                ?? throw new InvalidOperationException($"The {identifier.Type} identifier was claimed and then removed during the claim; retry.", ex);
        }
    }

    internal sealed record IdentityEntry(string Id, string ProfileId, DateTimeOffset ClaimedAt);
}
