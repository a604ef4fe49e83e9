using Cdp.Core.Destinations;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// Destinations in the container <c>destinations</c> and their delivery status in <c>destinationStatus</c> (both <c>/id</c>,
/// <see cref="CosmosDefinitions{T}"/>): small items replaced against their ETags.
/// </summary>
public sealed class CosmosDestinations(Container destinations, Container statuses) : IDestinationStore
{
    private readonly CosmosDefinitions<DestinationDefinition> _definitions = new(destinations, d => d.Id);
    private readonly CosmosDefinitions<DestinationStatus> _statuses = new(statuses, s => s.Id);

    public async Task<(DestinationDefinition Destination, string Tag)?> GetAsync(string id, CancellationToken cancellationToken) =>
        await _definitions.GetAsync(id, cancellationToken) is { } held ? (held.Definition, held.Tag) : null;

    public Task<IReadOnlyList<DestinationDefinition>> ListAsync(CancellationToken cancellationToken) => _definitions.ListAsync(cancellationToken);

    public Task<string?> TryPutAsync(DestinationDefinition destination, string? versionTag, CancellationToken cancellationToken) =>
        _definitions.TryPutAsync(destination, versionTag, cancellationToken);

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await _statuses.DeleteAsync(id, cancellationToken);
        return await _definitions.DeleteAsync(id, cancellationToken);
    }

    public async Task<(DestinationStatus Status, string Tag)?> GetStatusAsync(string id, CancellationToken cancellationToken) =>
        await _statuses.GetAsync(id, cancellationToken) is { } held ? (held.Definition, held.Tag) : null;

    public Task<string?> TryPutStatusAsync(DestinationStatus status, string? versionTag, CancellationToken cancellationToken) =>
        _statuses.TryPutAsync(status, versionTag, cancellationToken);
}
