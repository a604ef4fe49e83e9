using System.Globalization;
using System.Text.Json;
using Cdp.Core.Events;
using Cdp.Core.Profiles;

namespace Cdp.Embedded.Sqlite;

/// <summary>Profile event history in SQLite: one row per (profile, message); recording it again keeps the first.</summary>
public sealed class SqliteProfileEventStore(SqliteDatabase database) : IProfileEventStore
{
    public Task AppendAsync(IReadOnlyList<ProfileEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        database.WriteEach(events, (transaction, item) => transaction.Command(
            "INSERT INTO profile_events (profile_id, message_id, at, body) VALUES ($profile, $message, $at, $body) ON CONFLICT DO NOTHING",
            ("$profile", item.ProfileId),
            ("$message", item.MessageId),
            ("$at", item.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("$body", JsonSerializer.Serialize(item, CdpJson.Options))));
        return Task.CompletedTask;
    }

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
