using Cdp.Core.Sources;

namespace Cdp.Testing.InMemory;

/// <summary>The sources created over the API, in memory (the same contract as the SQLite and Cosmos DB adapters).</summary>
public sealed class InMemorySourceStore : ISourceStore
{
    private readonly InMemoryDefinitions<SourceDefinition> _definitions = new(s => s.Id);

    /// <summary>When set, every read and write throws it (a store that is down).</summary>
    public Exception? Failure { get; set; }

    public Task<StoredSource?> GetAsync(string sourceId, CancellationToken cancellationToken) =>
        Failing() ?? Task.FromResult(_definitions.Get(sourceId) is { } held ? new StoredSource(held.Definition, held.Tag) : null);

    public Task<IReadOnlyList<SourceDefinition>> ListAsync(CancellationToken cancellationToken) =>
        Failure is { } failure ? Task.FromException<IReadOnlyList<SourceDefinition>>(failure) : Task.FromResult(_definitions.List());

    public Task<string?> TryPutAsync(SourceDefinition source, string? versionTag, CancellationToken cancellationToken) =>
        Failure is { } failure ? Task.FromException<string?>(failure) : Task.FromResult(_definitions.TryPut(source, versionTag));

    public Task<bool> DeleteAsync(string sourceId, CancellationToken cancellationToken) =>
        Failure is { } failure ? Task.FromException<bool>(failure) : Task.FromResult(_definitions.Delete(sourceId));

    private Task<StoredSource?>? Failing() => Failure is { } failure ? Task.FromException<StoredSource?>(failure) : null;
}
