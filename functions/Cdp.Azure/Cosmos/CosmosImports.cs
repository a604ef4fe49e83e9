using Cdp.Core.Importing;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>Imports' progress in the container <c>imports</c> (<c>/id</c>, <see cref="CosmosDefinitions{T}"/>): one small item per import, replaced against its ETag.</summary>
public sealed class CosmosImports(Container imports) : IImportStore
{
    private readonly CosmosDefinitions<ImportStatus> _imports = new(imports, s => s.Id);

    public async Task<StoredImport?> GetAsync(string importId, CancellationToken cancellationToken) =>
        await _imports.GetAsync(importId, cancellationToken) is { } held ? new StoredImport(held.Definition, held.Tag) : null;

    public Task<string?> PutAsync(ImportStatus status, string? versionTag, CancellationToken cancellationToken) =>
        _imports.TryPutAsync(status, versionTag, cancellationToken);
}
