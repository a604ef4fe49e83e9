using System.Net;
using Cdp.Core.Identity;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The identity index in the Cosmos DB <c>identities</c> container (partition key <c>/id</c>): one item per
/// identifier, claimed with a create (409 means another profile holds it).
/// </summary>
public sealed class CosmosIdentityIndex(Container identities, TimeProvider time) : IIdentityIndex
{
    public async Task<string?> FindAsync(Identifier identifier, CancellationToken cancellationToken)
    {
        var id = ItemId(identifier);
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
        var id = ItemId(identifier);
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

    /// <summary>
    /// The item id: <c>{type}:{value}</c> with the value escaped, since Cosmos DB ids may not hold '/', '\', '?' or '#'.
    /// </summary>
    internal static string ItemId(Identifier identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return $"{identifier.Type}:{Uri.EscapeDataString(identifier.Value)}";
    }

    internal sealed record IdentityEntry(string Id, string ProfileId, DateTimeOffset ClaimedAt);
}
