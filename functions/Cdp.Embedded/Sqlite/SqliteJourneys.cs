using System.Globalization;
using System.Text.Json;
using Cdp.Core.Events;
using Cdp.Core.Journeys;

namespace Cdp.Embedded.Sqlite;

/// <summary>
/// The journey ports in SQLite: definitions (<c>journeys</c>) and instance records (<c>journey_instances</c>, a tag
/// per row for optimistic concurrency, indexed by journey and instance id, and by journey and profile).
/// </summary>
public sealed class SqliteJourneys(SqliteDatabase database) : IJourneyStore, IJourneyInstances
{
    private readonly SqliteDefinitions<JourneyDefinition> _definitions = new(database, "journeys", d => d.Id);

    public Task<StoredJourney?> GetAsync(string journeyId, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.Get(journeyId) is { } held ? new StoredJourney(held.Definition, held.Tag) : null);

    public Task<IReadOnlyList<JourneyDefinition>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_definitions.List());

    public Task<string?> TryPutAsync(JourneyDefinition definition, string? versionTag, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.TryPut(definition, versionTag));

    public Task<bool> DeleteAsync(string journeyId, CancellationToken cancellationToken) => Task.FromResult(_definitions.Delete(journeyId));

    public Task<bool> TryCreateAsync(JourneyInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return Task.FromResult(database.Write(transaction =>
        {
            using var insert = transaction.Command(
                "INSERT INTO journey_instances (instance_id, journey_id, profile_id, status, tag, body) VALUES ($id, $journey, $profile, $status, 1, $body) ON CONFLICT (instance_id) DO NOTHING",
                ("$id", instance.InstanceId),
                ("$journey", instance.JourneyId),
                ("$profile", instance.ProfileId),
                ("$status", instance.Status.ToString()),
                ("$body", JsonSerializer.Serialize(instance, CdpJson.Options)));
            return insert.ExecuteNonQuery() > 0;
        }));
    }

    public Task<StoredJourneyInstance?> GetAsync(string journeyId, string instanceId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command("SELECT tag, body FROM journey_instances WHERE instance_id = $id AND journey_id = $journey", ("$id", instanceId), ("$journey", journeyId));
        using var reader = select.ExecuteReader();
        return Task.FromResult(reader.Read()
            ? new StoredJourneyInstance(SqliteCommands.FromJson<JourneyInstance>(reader.GetString(1)), reader.GetInt64(0).ToString(CultureInfo.InvariantCulture))
            : null);
    }

    public Task<bool> TryReplaceAsync(JourneyInstance instance, string versionTag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var expected = long.TryParse(versionTag, NumberStyles.None, CultureInfo.InvariantCulture, out var tag) ? tag : -1;
        return Task.FromResult(database.Write(transaction =>
        {
            using var update = transaction.Command(
                "UPDATE journey_instances SET tag = tag + 1, status = $status, body = $body WHERE instance_id = $id AND tag = $expected",
                ("$id", instance.InstanceId),
                ("$status", instance.Status.ToString()),
                ("$body", JsonSerializer.Serialize(instance, CdpJson.Options)),
                ("$expected", expected));
            return update.ExecuteNonQuery() > 0;
        }));
    }

    public Task<JourneyInstancePage> ListAsync(string journeyId, JourneyInstanceStatus? status, string? after, int max, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command(
            """
            SELECT body FROM journey_instances
            WHERE journey_id = $journey AND instance_id > $after AND ($status IS NULL OR status = $status)
            ORDER BY instance_id LIMIT $limit
            """,
            ("$journey", journeyId),
            ("$after", after ?? string.Empty),
            ("$status", status?.ToString()),
            ("$limit", max + 1));
        var rows = select.ReadJson<JourneyInstance>();
        return Task.FromResult(JourneyInstancePage.Of(rows, max));
    }

    public Task<IReadOnlyList<JourneyInstance>> ListForProfileAsync(string journeyId, string profileId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command(
            "SELECT body FROM journey_instances WHERE journey_id = $journey AND profile_id = $profile",
            ("$journey", journeyId),
            ("$profile", profileId));
        return Task.FromResult<IReadOnlyList<JourneyInstance>>([.. select.ReadJson<JourneyInstance>().OrderBy(i => i.Enrollment)]);
    }

    public Task<IReadOnlyList<JourneyInstance>> ListAllForProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command("SELECT body FROM journey_instances WHERE profile_id = $profile ORDER BY journey_id, instance_id", ("$profile", profileId));
        return Task.FromResult<IReadOnlyList<JourneyInstance>>(select.ReadJson<JourneyInstance>());
    }

    public Task<bool> DeleteAsync(string journeyId, string instanceId, CancellationToken cancellationToken) =>
        Task.FromResult(database.Delete(
            "DELETE FROM journey_instances WHERE journey_id = $journey AND instance_id = $instance", ("$journey", journeyId), ("$instance", instanceId)) > 0);
}
