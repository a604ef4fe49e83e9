using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Profiles;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// Profile event history in the Cosmos DB <c>events</c> container (partition key <c>/profileId</c>). A profile's
/// events of one append (one ingest batch) are one item (schema 2: <c>events</c>, split at
/// <see cref="MaxItemBytes"/>), so a batch costs one write per profile, not one per event. The item's id is a
/// hash of its message ids: the same batch appended again is the same item (409); a batch grouped differently
/// on a retry stores an event twice, and listing keeps one. Items expire
/// <see cref="IProfileEventStore.Retention"/> after they were written (item <c>ttl</c>). Listing is a
/// single-partition query (API reads, not the ingest path); schema-1 items (one event each) are still read.
/// </summary>
public sealed class CosmosProfileEventStore(Container container) : IProfileEventStore
{
    /// <summary>The largest item written (Cosmos DB allows 2 MB); a profile's events beyond it go to another item.</summary>
    public const int MaxItemBytes = 256 * 1024;

    public Task AppendAsync(IReadOnlyList<ProfileEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        return Task.WhenAll(events.GroupBy(e => e.ProfileId, StringComparer.Ordinal)
            .SelectMany(group => Pages(group.Key, group))
            .Select(page => CosmosItems.CreateOnceAsync(container, page.Item, page.ProfileId, cancellationToken)));
    }

    public async Task<IReadOnlyList<ProfileEvent>> ListAsync(string profileId, int max, CancellationToken cancellationToken)
    {
        var items = await CosmosItems.QueryAsync<JsonElement>(container, new QueryDefinition("SELECT * FROM c WHERE c.profileId = @p").WithParameter("@p", profileId), profileId, cancellationToken);
        return [.. items
            .SelectMany(item => item.TryGetProperty("events", out var page)
                ? page.EnumerateArray().Select(e => e.Deserialize<ProfileEvent>(CdpJson.Options)! with { ProfileId = profileId })
                : [item.Deserialize<ProfileEvent>(CdpJson.Options)!])
            .DistinctBy(e => e.MessageId, StringComparer.Ordinal)
            .OrderByDescending(e => e.Timestamp)
            .ThenByDescending(e => e.MessageId, StringComparer.Ordinal)
            .Take(max)];
    }

    /// <summary>Deletes the profile's items (pages of events); how many.</summary>
    public Task<int> DeleteAsync(string profileId, CancellationToken cancellationToken) =>
        CosmosItems.DeleteWhereAsync(container, profileId, "c.profileId = @p", cancellationToken, ("@p", profileId));

    /// <summary>A profile's events as items of at most <see cref="MaxItemBytes"/> (an event larger than that alone).</summary>
    private static IEnumerable<(string ProfileId, byte[] Item)> Pages(string profileId, IEnumerable<ProfileEvent> events)
    {
        var page = new JsonArray();
        var ids = new StringBuilder();
        var bytes = 0;
        foreach (var item in events)
        {
            // The page names the profile once, not in every event.
            var json = JsonSerializer.SerializeToNode(item, CdpJson.Options)!.AsObject();
            json.Remove("profileId");
            var size = Encoding.UTF8.GetByteCount(json.ToJsonString(CdpJson.Options));
            if (page.Count > 0 && bytes + size > MaxItemBytes)
            {
                yield return (profileId, Item(profileId, page, ids));
                (page, bytes) = (new JsonArray(), 0);
                ids.Clear();
            }

            page.Add(json);
            ids.Append(item.MessageId).Append('\n');
            bytes += size;
        }

        if (page.Count > 0)
        {
            yield return (profileId, Item(profileId, page, ids));
        }
    }

    private static byte[] Item(string profileId, JsonArray events, StringBuilder messageIds) =>
        CosmosItems.ToItem(
            new EventPage(profileId, events),
            Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(messageIds.ToString()))),
            IProfileEventStore.Retention,
            schemaVersion: 2);

    /// <summary>The item (schema 2): a profile's events of one append.</summary>
    private sealed record EventPage(string ProfileId, JsonArray Events);
}
