using System.Collections.Concurrent;
using Cdp.Core.Journeys;

namespace Cdp.Testing.InMemory;

/// <summary>The journey ports in memory, for domain tests (the same contract as the SQLite and Cosmos DB adapters).</summary>
public sealed class InMemoryJourneys : IJourneyStore, IJourneyInstances
{
    private readonly InMemoryDefinitions<JourneyDefinition> _definitions = new(d => d.Id);
    private readonly ConcurrentDictionary<string, (long Tag, JourneyInstance Instance)> _instances = new(StringComparer.Ordinal);
    private readonly Lock _write = new();

    public IReadOnlyCollection<JourneyInstance> Instances => [.. _instances.Values.Select(v => v.Instance).OrderBy(i => i.InstanceId, StringComparer.Ordinal)];

    public Task<StoredJourney?> GetAsync(string journeyId, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.Get(journeyId) is { } held ? new StoredJourney(held.Definition, held.Tag) : null);

    public Task<IReadOnlyList<JourneyDefinition>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_definitions.List());

    public Task<string?> TryPutAsync(JourneyDefinition definition, string? versionTag, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.TryPut(definition, versionTag));

    public Task<bool> DeleteAsync(string journeyId, CancellationToken cancellationToken) => Task.FromResult(_definitions.Delete(journeyId));

    public Task<bool> TryCreateAsync(JourneyInstance instance, CancellationToken cancellationToken) =>
        Task.FromResult(_instances.TryAdd(instance.InstanceId, (1, instance)));

    public Task<StoredJourneyInstance?> GetAsync(string journeyId, string instanceId, CancellationToken cancellationToken) =>
        Task.FromResult(_instances.TryGetValue(instanceId, out var held) && held.Instance.JourneyId == journeyId ? new StoredJourneyInstance(held.Instance, Tag(held.Tag)) : null);

    public Task<bool> TryReplaceAsync(JourneyInstance instance, string versionTag, CancellationToken cancellationToken)
    {
        lock (_write)
        {
            if (!_instances.TryGetValue(instance.InstanceId, out var held) || Tag(held.Tag) != versionTag)
            {
                return Task.FromResult(false);
            }

            _instances[instance.InstanceId] = (held.Tag + 1, instance);
            return Task.FromResult(true);
        }
    }

    public Task<JourneyInstancePage> ListAsync(string journeyId, JourneyInstanceStatus? status, string? after, int max, CancellationToken cancellationToken) =>
        Task.FromResult(JourneyInstancePage.Of(
            [.. _instances.Values.Select(v => v.Instance)
                .Where(i => i.JourneyId == journeyId && (status is null || i.Status == status) && (after is null || string.CompareOrdinal(i.InstanceId, after) > 0))
                .OrderBy(i => i.InstanceId, StringComparer.Ordinal)
                .Take(max + 1)],
            max));

    public Task<IReadOnlyList<JourneyInstance>> ListForProfileAsync(string journeyId, string profileId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<JourneyInstance>>([.. _instances.Values.Select(v => v.Instance).Where(i => i.JourneyId == journeyId && i.ProfileId == profileId).OrderBy(i => i.Enrollment)]);

    public Task<IReadOnlyList<JourneyInstance>> ListAllForProfileAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<JourneyInstance>>([.. _instances.Values.Select(v => v.Instance).Where(i => i.ProfileId == profileId).OrderBy(i => i.JourneyId, StringComparer.Ordinal).ThenBy(i => i.InstanceId, StringComparer.Ordinal)]);

    public Task<bool> DeleteAsync(string journeyId, string instanceId, CancellationToken cancellationToken) =>
        Task.FromResult(_instances.TryGetValue(instanceId, out var held) && held.Instance.JourneyId == journeyId && _instances.TryRemove(instanceId, out _));

    private static string Tag(long tag) => InMemoryDefinitions<JourneyDefinition>.Tag(tag);
}
