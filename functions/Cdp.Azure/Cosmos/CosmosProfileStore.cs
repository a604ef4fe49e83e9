using System.Net;
using System.Text.Json;
using Cdp.Core.Changes;
using Cdp.Core.Events;
using Cdp.Core.Profiles;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// Profiles in the Cosmos DB <c>profiles</c> container (partition key <c>/id</c>), point operations only,
/// the <see cref="ProfileDocument"/> serialized as it is; the ETag is the version tag (a replace with a stale
/// one fails with 412).
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
        var document = await CosmosJson.ReadAsync<ProfileDocument>(response.Content, cancellationToken);
        return new StoredProfile(Profile.FromDocument(document), response.Headers.ETag);
    }

    public async Task<string?> TryCreateAsync(Profile profile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        using var body = Serialize(profile);
        using var response = await profiles.CreateItemStreamAsync(body, new PartitionKey(profile.Id), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return response.Headers.ETag;
    }

    public async Task<string?> TryReplaceAsync(Profile profile, string versionTag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        using var body = Serialize(profile);
        using var response = await profiles.ReplaceItemStreamAsync(
            body,
            profile.Id,
            new PartitionKey(profile.Id),
            new ItemRequestOptions { IfMatchEtag = versionTag },
            cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return response.Headers.ETag;
    }

    /// <summary>A profile item as the change feed delivers it: the document, and its <c>_etag</c> as the version tag.</summary>
    public static ProfileChange ToChange(JsonElement item)
    {
        var etag = item.TryGetProperty("_etag", out var tag) ? tag.GetString() : null;
        var document = item.Deserialize<ProfileDocument>(CdpJson.Options) ?? throw new InvalidDataException("A changed profile is empty.");
        return new ProfileChange(document.Id, etag ?? throw new InvalidDataException($"Change of profile '{document.Id}' has no _etag."), document);
    }

    private static MemoryStream Serialize(Profile profile) => new(JsonSerializer.SerializeToUtf8Bytes(profile.ToDocument(), CdpJson.Options));
}
