using System.Globalization;
using System.Text.Json;
using Cdp.Core.Events;
using Cdp.Core.Profiles;

namespace Cdp.Embedded.Sqlite;

/// <summary>
/// Profile event history in SQLite: one row per (profile, message); recording it again keeps the first.
/// <see cref="PruneAsync"/> removes the rows recorded before a time (the retention pruner calls it).
/// </summary>
public sealed class SqliteProfileEventStore(SqliteDatabase database, TimeProvider time) : IProfileEventStore
{
    public Task AppendAsync(IReadOnlyList<ProfileEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var recordedAt = SqliteTime.Format(time.GetUtcNow());
        database.WriteEach(events, (transaction, item) => transaction.Command(
            "INSERT INTO profile_events (profile_id, message_id, at, body, recorded_at) VALUES ($profile, $message, $at, $body, $recorded) ON CONFLICT DO NOTHING",
            ("$profile", item.ProfileId),
            ("$message", item.MessageId),
            ("$at", item.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("$body", JsonSerializer.Serialize(item, CdpJson.Options)),
            ("$recorded", recordedAt)));
        return Task.CompletedTask;
    }

    /// <summary>Removes the events recorded before <paramref name="before"/>; how many.</summary>
    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        Task.FromResult(database.Delete("DELETE FROM profile_events WHERE recorded_at < $before", ("$before", SqliteTime.Format(before))));

    public Task<int> DeleteAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult(database.Delete("DELETE FROM profile_events WHERE profile_id = $profile", ("$profile", profileId)));

    public Task<IReadOnlyList<ProfileEvent>> ListAsync(string profileId, int max, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command(
            "SELECT body FROM profile_events WHERE profile_id = $profile ORDER BY at DESC, message_id DESC LIMIT $max",
            ("$profile", profileId),
            ("$max", max));
        return Task.FromResult<IReadOnlyList<ProfileEvent>>(select.ReadJson<ProfileEvent>());
    }
}
