using System.Text.Json;
using Cdp.Azure.Cosmos;
using Cdp.Core.Profiles;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Tests.Cosmos;

/// <summary>What the profile store leaves in Cosmos DB itself, beyond the contract: the tombstone item and its expiry.</summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosProfileStoreTests(CosmosStandIn cosmos)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Delete_LeavesATombstoneThatExpiresAfterTheRetention_NotBefore()
    {
        var container = await cosmos.ContainerAsync(CosmosContainers.Profiles);
        var store = new CosmosProfileStore(container);
        var id = "p_" + Guid.NewGuid().ToString("N");
        var profile = new Profile(id, T0);
        profile.SetTrait("email", new Trait(System.Text.Json.Nodes.JsonValue.Create("ada@example.com"), T0, "m1", "web"), Testing.TestDomain.Policy());
        await store.TryCreateAsync(profile, CancellationToken.None);

        Assert.True(await store.TryDeleteAsync((await store.GetAsync(id, CancellationToken.None))!, T0.AddDays(1), CancellationToken.None));

        var item = await ReadRawAsync(container, id);
        Assert.NotNull(item);
        Assert.True(item.Value.GetProperty("deleted").GetBoolean());
        Assert.Equal((int)IProfileStore.TombstoneRetention.TotalSeconds, item.Value.GetProperty("ttl").GetInt32());
        Assert.DoesNotContain("ada@example.com", item.Value.GetRawText(), StringComparison.Ordinal);

        await CosmosTimeToLive.ExpireAsync(container, "/id", IProfileStore.TombstoneRetention - TimeSpan.FromHours(1));
        Assert.NotNull(await ReadRawAsync(container, id));
        await CosmosTimeToLive.ExpireAsync(container, "/id", IProfileStore.TombstoneRetention + TimeSpan.FromHours(1));
        Assert.Null(await ReadRawAsync(container, id));
    }

    private static async Task<JsonElement?> ReadRawAsync(Container container, string id)
    {
        using var response = await container.ReadItemStreamAsync(id, new PartitionKey(id));
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        using var json = await JsonDocument.ParseAsync(response.Content);
        return json.RootElement.Clone();
    }
}
