using System.Net;
using Cdp.Core.Profiles;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// Profiles in the Cosmos DB <c>profiles</c> container (partition key <c>/id</c>), point operations only;
/// the ETag is the version tag (a replace with a stale one fails with 412).
/// </summary>
public sealed class CosmosProfileStore(Container profiles) : IProfileStore
{
    public async Task<StoredProfile?> GetAsync(string profileId, CancellationToken cancellationToken)
    {
        using var response = await profiles.ReadItemStreamAsync(profileId, new PartitionKey(profileId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var document = await CosmosJson.ReadAsync<CosmosProfileDocument>(response.Content, cancellationToken);
        return new StoredProfile(Profile.FromDocument(document.ToProfileDocument()), response.Headers.ETag);
    }

    public async Task<bool> TryCreateAsync(Profile profile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        try
        {
            await profiles.CreateItemAsync(CosmosProfileDocument.From(profile.ToDocument()), new PartitionKey(profile.Id), cancellationToken: cancellationToken);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    public async Task<bool> TryReplaceAsync(Profile profile, string versionTag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        try
        {
            await profiles.ReplaceItemAsync(
                CosmosProfileDocument.From(profile.ToDocument()),
                profile.Id,
                new PartitionKey(profile.Id),
                new ItemRequestOptions { IfMatchEtag = versionTag, EnableContentResponseOnWrite = false },
                cancellationToken);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
