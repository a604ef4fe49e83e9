using Cdp.Core.Importing;

namespace Cdp.Embedded.Sqlite;

/// <summary>Imports' progress in the table <c>imports</c> (<see cref="SqliteDefinitions{T}"/>).</summary>
public sealed class SqliteImports(SqliteDatabase database) : IImportStore
{
    private readonly SqliteDefinitions<ImportStatus> _imports = new(database, "imports", s => s.Id);

    public Task<StoredImport?> GetAsync(string importId, CancellationToken cancellationToken) =>
        Task.FromResult(_imports.Get(importId) is { } held ? new StoredImport(held.Definition, held.Tag) : null);

    public Task<string?> PutAsync(ImportStatus status, string? versionTag, CancellationToken cancellationToken) =>
        Task.FromResult(_imports.TryPut(status, versionTag));
}
