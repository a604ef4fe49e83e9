namespace Cdp.Core.Sources;

/// <summary>
/// Sources created over the API (<c>PUT /api/sources/{id}</c>), kept by the host's store next to segments and
/// journeys: each with its settings and the SHA-256 of its write key (never the key). Sources in configuration
/// (<c>Cdp:Sources</c>) are not here; <see cref="SourceRegistry"/> reads both.
/// </summary>
public interface ISourceStore
{
    Task<StoredSource?> GetAsync(string sourceId, CancellationToken cancellationToken);

    /// <summary>Every stored source, by id.</summary>
    Task<IReadOnlyList<SourceDefinition>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Creates (<paramref name="versionTag"/> null) or replaces against the tag; the new tag, or null when it was taken or changed meanwhile.</summary>
    Task<string?> TryPutAsync(SourceDefinition source, string? versionTag, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string sourceId, CancellationToken cancellationToken);
}

/// <summary>A stored source and the tag a replace must name.</summary>
public sealed record StoredSource(SourceDefinition Source, string VersionTag);
