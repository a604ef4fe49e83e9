using Cdp.Core.Importing;

namespace Cdp.Testing.InMemory;

/// <summary>Imports' progress in memory (the same contract as the SQLite and Cosmos DB adapters).</summary>
public sealed class InMemoryImportStore : IImportStore
{
    private readonly InMemoryDefinitions<ImportStatus> _imports = new(s => s.Id);

    public Task<StoredImport?> GetAsync(string importId, CancellationToken cancellationToken) =>
        Task.FromResult(_imports.Get(importId) is { } held ? new StoredImport(held.Definition, held.Tag) : null);

    public Task<string?> PutAsync(ImportStatus status, string? versionTag, CancellationToken cancellationToken) =>
        Task.FromResult(_imports.TryPut(status, versionTag));
}
