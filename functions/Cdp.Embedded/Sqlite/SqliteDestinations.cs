using Cdp.Core.Destinations;

namespace Cdp.Embedded.Sqlite;

/// <summary>Destinations and their delivery status, in the tables <c>destinations</c> and <c>destination_status</c> (<see cref="SqliteDefinitions{T}"/>).</summary>
public sealed class SqliteDestinations(SqliteDatabase database) : IDestinationStore
{
    private readonly SqliteDefinitions<DestinationDefinition> _definitions = new(database, "destinations", d => d.Id);
    private readonly SqliteDefinitions<DestinationStatus> _statuses = new(database, "destination_status", s => s.Id);

    public Task<(DestinationDefinition Destination, string Tag)?> GetAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult<(DestinationDefinition, string)?>(_definitions.Get(id) is { } held ? (held.Definition, held.Tag) : null);

    public Task<IReadOnlyList<DestinationDefinition>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_definitions.List());

    public Task<string?> TryPutAsync(DestinationDefinition destination, string? versionTag, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.TryPut(destination, versionTag));

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        _statuses.Delete(id);
        return Task.FromResult(_definitions.Delete(id));
    }

    public Task<(DestinationStatus Status, string Tag)?> GetStatusAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult<(DestinationStatus, string)?>(_statuses.Get(id) is { } held ? (held.Definition, held.Tag) : null);

    public Task<string?> TryPutStatusAsync(DestinationStatus status, string? versionTag, CancellationToken cancellationToken) =>
        Task.FromResult(_statuses.TryPut(status, versionTag));
}
