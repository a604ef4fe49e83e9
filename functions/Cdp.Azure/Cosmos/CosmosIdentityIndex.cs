using System.Net;
using Cdp.Core.Identity;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The identity index in the Cosmos DB <c>identities</c> container (partition key <c>/id</c>): one item per
/// identifier key (a keyed hash), claimed with a create (409 means another profile holds it) and moved with
/// a replace conditioned on its ETag (412 means it changed meanwhile: read again).
/// </summary>
public sealed class CosmosIdentityIndex(Container identities, TimeProvider time) : IIdentityIndex
{
    private const int MaxAttempts = 10;

    public async Task<string?> FindAsync(string key, CancellationToken cancellationToken) =>
        (await ReadAsync(key, cancellationToken))?.Entry.ProfileId;

    public async Task<string> ClaimAsync(string key, string profileId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (await TryCreateAsync(key, profileId, cancellationToken))
            {
                return profileId;
            }

            if (await FindAsync(key, cancellationToken) is { } owner)
            {
                return owner;
            }
        }

        throw new InvalidOperationException($"The identifier key '{key}' was claimed and removed repeatedly during a claim; retry.");
    }

    public async Task<string> ReassignAsync(string key, string fromProfileId, string toProfileId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var current = await ReadAsync(key, cancellationToken);
            if (current is null)
            {
                if (await TryCreateAsync(key, toProfileId, cancellationToken))
                {
                    return toProfileId;
                }

                continue;
            }

            var (entry, etag) = current.Value;
            if (entry.ProfileId != fromProfileId)
            {
                return entry.ProfileId;
            }

            try
            {
                await identities.ReplaceItemAsync(
                    entry with { ProfileId = toProfileId, ClaimedAt = time.GetUtcNow() },
                    key,
                    new PartitionKey(key),
                    new ItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false },
                    cancellationToken);
                return toProfileId;
            }
            catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            {
                // Changed meanwhile: read it again.
            }
        }

        throw new InvalidOperationException($"The identifier key '{key}' kept changing during a move; retry.");
    }

    private async Task<(IdentityEntry Entry, string ETag)?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        using var response = await identities.ReadItemStreamAsync(key, new PartitionKey(key), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return (await CosmosJson.ReadAsync<IdentityEntry>(response.Content, cancellationToken), response.Headers.ETag);
    }

    private async Task<bool> TryCreateAsync(string key, string profileId, CancellationToken cancellationToken)
    {
        try
        {
            await identities.CreateItemAsync(
                new IdentityEntry(key, profileId, time.GetUtcNow()),
                new PartitionKey(key),
                new ItemRequestOptions { EnableContentResponseOnWrite = false },
                cancellationToken);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    /// <summary>The item: the identifier's key, its profile, when it was claimed or moved (schema version 1).</summary>
    internal sealed record IdentityEntry(string Id, string ProfileId, DateTimeOffset ClaimedAt, int SchemaVersion = 1);
}
