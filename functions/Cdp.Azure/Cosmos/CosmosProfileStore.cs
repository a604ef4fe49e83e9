using System.Net;
using System.Text.Json;
using Cdp.Core.Changes;
using Cdp.Core.Events;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// Profiles in the Cosmos DB <c>profiles</c> container (partition key <c>/id</c>), point operations only,
/// the <see cref="ProfileDocument"/> serialized as it is; the ETag is the version tag (a replace with a stale
/// one fails with 412). A deletion replaces the profile with its tombstone carrying a <c>ttl</c> (the change
/// feed's latest-version mode emits no deletes; the container must have TTL on, with no default), so the
/// change feed delivers it and Cosmos DB removes it after <see cref="IProfileStore.TombstoneRetention"/>.
/// </summary>
/// <remarks>Personal values are written encrypted and read decrypted through <paramref name="protector"/> (when given).</remarks>
public sealed class CosmosProfileStore(Container profiles, PersonalDataProtector? protector = null) : IProfileStore, IProfileCatalog
{
    public async Task<StoredProfile?> GetAsync(string profileId, CancellationToken cancellationToken)
    {
        var (document, etag) = await ReadAsync(profileId, cancellationToken);
        return document is null || document.Deleted ? null : new StoredProfile(await ReadableAsync(document, cancellationToken), etag);
    }

    public async Task<string?> TryCreateAsync(Profile profile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var document = await StoredAsync(profile, cancellationToken);
        using (var body = Serialize(document))
        using (var response = await profiles.CreateItemStreamAsync(body, new PartitionKey(profile.Id), cancellationToken: cancellationToken))
        {
            if (response.StatusCode != HttpStatusCode.Conflict)
            {
                response.EnsureSuccessStatusCode();
                return response.Headers.ETag;
            }
        }

        // Taken: by a profile (a conflict), or by the tombstone of a deleted one, which the new profile replaces.
        var (held, etag) = await ReadAsync(profile.Id, cancellationToken);
        return held is { Deleted: true } ? await TryReplaceAsync(profile.Id, document, etag, cancellationToken) : null;
    }

    public async Task<string?> TryReplaceAsync(Profile profile, string versionTag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return await TryReplaceAsync(profile.Id, await StoredAsync(profile, cancellationToken), versionTag, cancellationToken);
    }

    public async Task<bool> TryDeleteAsync(StoredProfile stored, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var tombstone = ProfileDocument.Tombstone(stored.Profile.Id, stored.Profile.Version, deletedAt);
        return await TryReplaceAsync(tombstone.Id, tombstone, stored.VersionTag, cancellationToken) is not null;
    }

    /// <summary>A page of the container's read feed (admin jobs, not a hot path); the position is Cosmos DB's continuation token.</summary>
    public async Task<ProfilePage> ListAsync(string? position, int max, CancellationToken cancellationToken)
    {
        var (items, next) = await CosmosItems.ReadFeedPageAsync(profiles, position, max, cancellationToken);
        var stored = new List<StoredProfile>();
        foreach (var item in items)
        {
            var change = ToChange(item);
            if (!change.Deleted)
            {
                stored.Add(new StoredProfile(await ReadableAsync(change.Profile, cancellationToken), change.VersionTag));
            }
        }

        return new ProfilePage(stored, next);
    }

    /// <summary>A profile item as the change feed delivers it: the document, and its <c>_etag</c> as the version tag.</summary>
    public static ProfileChange ToChange(JsonElement item)
    {
        var etag = item.TryGetProperty("_etag", out var tag) ? tag.GetString() : null;
        var document = item.Deserialize<ProfileDocument>(CdpJson.Options) ?? throw new InvalidDataException("A changed profile is empty.");
        return new ProfileChange(document.Id, etag ?? throw new InvalidDataException($"Change of profile '{document.Id}' has no _etag."), document);
    }

    /// <summary>The document to store: personal values encrypted when a protector is given.</summary>
    private async ValueTask<ProfileDocument> StoredAsync(Profile profile, CancellationToken cancellationToken) =>
        protector is null ? profile.ToDocument() : await protector.ProtectAsync(profile.ToDocument(), cancellationToken);

    private async ValueTask<Profile> ReadableAsync(ProfileDocument document, CancellationToken cancellationToken) =>
        Profile.FromDocument(protector is null ? document : await protector.UnprotectAsync(document, cancellationToken));

    private async Task<(ProfileDocument? Document, string ETag)> ReadAsync(string profileId, CancellationToken cancellationToken)
    {
        using var response = await profiles.ReadItemStreamAsync(profileId, new PartitionKey(profileId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return (null, string.Empty);
        }

        response.EnsureSuccessStatusCode();
        return (await CosmosJson.ReadAsync<ProfileDocument>(response.Content, cancellationToken), response.Headers.ETag);
    }

    private async Task<string?> TryReplaceAsync(string id, ProfileDocument document, string versionTag, CancellationToken cancellationToken)
    {
        using var body = Serialize(document);
        using var response = await profiles.ReplaceItemStreamAsync(
            body,
            id,
            new PartitionKey(id),
            new ItemRequestOptions { IfMatchEtag = versionTag },
            cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return response.Headers.ETag;
    }

    /// <summary>The item: the document, and for a tombstone its time to live in seconds.</summary>
    private static MemoryStream Serialize(ProfileDocument document)
    {
        if (!document.Deleted)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(document, CdpJson.Options);
            return bytes.Length > ProfileDocument.MaxStoredBytes ? throw new ProfileTooLargeException(document.Id, bytes.Length) : new(bytes);
        }

        var item = JsonSerializer.SerializeToNode(document, CdpJson.Options)!.AsObject();
        item["ttl"] = CosmosItems.Seconds(IProfileStore.TombstoneRetention);
        return new(JsonSerializer.SerializeToUtf8Bytes(item, CdpJson.Options));
    }
}
