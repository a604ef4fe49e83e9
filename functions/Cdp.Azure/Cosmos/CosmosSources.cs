using Cdp.Core.Sources;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>The sources created over the API, in the container <c>sources</c> (<c>/id</c>, <see cref="CosmosDefinitions{T}"/>).</summary>
public sealed class CosmosSources(Container sources) : ISourceStore
{
    private readonly CosmosDefinitions<SourceDefinition> _definitions = new(sources, s => s.Id);

    public async Task<StoredSource?> GetAsync(string sourceId, CancellationToken cancellationToken) =>
        await _definitions.GetAsync(sourceId, cancellationToken) is { } held ? new StoredSource(held.Definition, held.Tag) : null;

    public Task<IReadOnlyList<SourceDefinition>> ListAsync(CancellationToken cancellationToken) => _definitions.ListAsync(cancellationToken);

    public Task<string?> TryPutAsync(SourceDefinition source, string? versionTag, CancellationToken cancellationToken) =>
        _definitions.TryPutAsync(source, versionTag, cancellationToken);

    public Task<bool> DeleteAsync(string sourceId, CancellationToken cancellationToken) => _definitions.DeleteAsync(sourceId, cancellationToken);
}
