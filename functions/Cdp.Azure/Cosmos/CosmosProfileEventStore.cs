using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Cdp.Core.Profiles;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// Profile event history in the Cosmos DB <c>events</c> container (partition key <c>/profileId</c>): one item per
/// (profile, message), its id a hash of the message id, created once (409 = recorded before), expiring
/// <see cref="IProfileEventStore.Retention"/> after it was written (item <c>ttl</c>). Listing is a single-partition query (API reads, not the ingest path).
/// </summary>
public sealed class CosmosProfileEventStore(Container container) : IProfileEventStore
{
    public Task AppendAsync(IReadOnlyList<ProfileEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        return Task.WhenAll(events.Select(item => CosmosItems.CreateOnceAsync(
            container,
            CosmosItems.ToItem(item, Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(item.MessageId))), IProfileEventStore.Retention),
            item.ProfileId,
            cancellationToken)));
    }

    public async Task<IReadOnlyList<ProfileEvent>> ListAsync(string profileId, int max, CancellationToken cancellationToken)
    {
        var all = await CosmosItems.QueryAsync<ProfileEvent>(container, new QueryDefinition("SELECT * FROM c WHERE c.profileId = @p").WithParameter("@p", profileId), profileId, cancellationToken);
        return [.. all.OrderByDescending(e => e.Timestamp).ThenByDescending(e => e.MessageId, StringComparer.Ordinal).Take(max)];
    }
}
