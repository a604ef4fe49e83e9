using Cdp.Core.Sources;

namespace Cdp.Embedded.Sqlite;

/// <summary>The sources created over the API, in the table <c>sources</c> (<see cref="SqliteDefinitions{T}"/>).</summary>
public sealed class SqliteSources(SqliteDatabase database) : ISourceStore
{
    private readonly SqliteDefinitions<SourceDefinition> _definitions = new(database, "sources", s => s.Id);

    public Task<StoredSource?> GetAsync(string sourceId, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.Get(sourceId) is { } held ? new StoredSource(held.Definition, held.Tag) : null);

    public Task<IReadOnlyList<SourceDefinition>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_definitions.List());

    public Task<string?> TryPutAsync(SourceDefinition source, string? versionTag, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.TryPut(source, versionTag));

    public Task<bool> DeleteAsync(string sourceId, CancellationToken cancellationToken) => Task.FromResult(_definitions.Delete(sourceId));
}
