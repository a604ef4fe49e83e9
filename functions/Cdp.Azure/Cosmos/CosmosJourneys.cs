using System.Net;
using System.Text.Json;
using Cdp.Core.Events;
using Cdp.Core.Journeys;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The journey ports in Cosmos DB. <c>journeys</c> (<c>/id</c>): definitions. <c>journeyInstances</c>
/// (<c>/journeyId</c>): one item per instance (<c>id</c> = instance id), created once, replaced against its ETag,
/// read by point reads, listed by single-partition queries (per journey, per journey and profile).
/// </summary>
/// <remarks>
/// Pages are cut by instance id in this process: the query reads the journey's instances after the position
/// (and of the status asked) and keeps the first ones by id. That costs a read of the rest of the partition per page;
/// fine for the admin API at thousands of instances per journey, a continuation-token query beyond (an issue).
/// </remarks>
public sealed class CosmosJourneys(Container journeys, Container instances) : IJourneyStore, IJourneyInstances
{
    private readonly CosmosDefinitions<JourneyDefinition> _definitions = new(journeys, d => d.Id);

    public async Task<StoredJourney?> GetAsync(string journeyId, CancellationToken cancellationToken) =>
        await _definitions.GetAsync(journeyId, cancellationToken) is { } held ? new StoredJourney(held.Definition, held.Tag) : null;

    public Task<IReadOnlyList<JourneyDefinition>> ListAsync(CancellationToken cancellationToken) => _definitions.ListAsync(cancellationToken);

    public Task<string?> TryPutAsync(JourneyDefinition definition, string? versionTag, CancellationToken cancellationToken) =>
        _definitions.TryPutAsync(definition, versionTag, cancellationToken);

    public Task<bool> DeleteAsync(string journeyId, CancellationToken cancellationToken) => _definitions.DeleteAsync(journeyId, cancellationToken);

    public async Task<bool> TryCreateAsync(JourneyInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        using var body = new MemoryStream(CosmosItems.ToItem(instance, instance.InstanceId));
        using var response = await instances.CreateItemStreamAsync(body, new PartitionKey(instance.JourneyId), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        return true;
    }

    public async Task<StoredJourneyInstance?> GetAsync(string journeyId, string instanceId, CancellationToken cancellationToken)
    {
        using var response = await instances.ReadItemStreamAsync(instanceId, new PartitionKey(journeyId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return new StoredJourneyInstance(await CosmosJson.ReadAsync<JourneyInstance>(response.Content, cancellationToken), response.Headers.ETag);
    }

    public async Task<bool> TryReplaceAsync(JourneyInstance instance, string versionTag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        using var body = new MemoryStream(CosmosItems.ToItem(instance, instance.InstanceId));
        using var response = await instances.ReplaceItemStreamAsync(
            body, instance.InstanceId, new PartitionKey(instance.JourneyId), new ItemRequestOptions { IfMatchEtag = versionTag, EnableContentResponseOnWrite = false }, cancellationToken);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        return true;
    }

    public async Task<JourneyInstancePage> ListAsync(string journeyId, JourneyInstanceStatus? status, string? after, int max, CancellationToken cancellationToken)
    {
        var query = status is null
            ? new QueryDefinition("SELECT * FROM c WHERE c.journeyId = @j").WithParameter("@j", journeyId)
            : new QueryDefinition("SELECT * FROM c WHERE c.journeyId = @j AND c.status = @s").WithParameter("@j", journeyId).WithParameter("@s", JsonNamingPolicy.CamelCase.ConvertName(status.Value.ToString())); // as CdpJson writes it
        var found = await CosmosItems.QueryAsync<JourneyInstance>(instances, query, journeyId, cancellationToken);
        var ordered = found
            .Where(i => after is null || string.CompareOrdinal(i.InstanceId, after) > 0)
            .OrderBy(i => i.InstanceId, StringComparer.Ordinal)
            .Take(max + 1)
            .ToList();
        return JourneyInstancePage.Of(ordered, max);
    }

    public async Task<IReadOnlyList<JourneyInstance>> ListForProfileAsync(string journeyId, string profileId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.journeyId = @j AND c.profileId = @p").WithParameter("@j", journeyId).WithParameter("@p", profileId);
        return [.. (await CosmosItems.QueryAsync<JourneyInstance>(instances, query, journeyId, cancellationToken)).OrderBy(i => i.Enrollment)];
    }

    /// <summary>A cross-partition query (an erasure's, rare): every journey's instances of the profile.</summary>
    public async Task<IReadOnlyList<JourneyInstance>> ListAllForProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.profileId = @p").WithParameter("@p", profileId);
        var found = await CosmosItems.QueryAsync<JourneyInstance>(instances, query, partitionKey: null, cancellationToken);
        return [.. found.OrderBy(i => i.JourneyId, StringComparer.Ordinal).ThenBy(i => i.InstanceId, StringComparer.Ordinal)];
    }

    public Task<bool> DeleteAsync(string journeyId, string instanceId, CancellationToken cancellationToken) =>
        CosmosItems.DeleteAsync(instances, instanceId, journeyId, cancellationToken);
}
