using System.Globalization;
using Cdp.Core.Identity;

namespace Cdp.Embedded.Sqlite;

/// <summary>The identity index in SQLite: one row per identifier key (a keyed hash); the first insert wins, moves are conditional.</summary>
public sealed class SqliteIdentityIndex(SqliteDatabase database, TimeProvider time) : IIdentityIndex
{
    public Task<string?> FindAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        using var connection = database.Open();
        using var select = connection.Command("SELECT profile_id FROM identities WHERE id = $id", ("$id", key));
        return Task.FromResult(select.ExecuteScalar() as string);
    }

    public Task<string> ClaimAsync(string key, string profileId, CancellationToken cancellationToken) =>
        Task.FromResult(Upsert(key, profileId, "DO NOTHING", null));

    public Task<string> ReassignAsync(string key, string fromProfileId, string toProfileId, CancellationToken cancellationToken) =>
        Task.FromResult(Upsert(key, toProfileId, "DO UPDATE SET profile_id = excluded.profile_id, claimed_at = excluded.claimed_at WHERE profile_id = $from", fromProfileId));

    /// <summary>Inserts the entry or, on conflict, does <paramref name="onConflict"/>; then reports the owner, in one write transaction.</summary>
    private string Upsert(string key, string profileId, string onConflict, string? fromProfileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(profileId);
        return database.Write(transaction =>
        {
            using var command = transaction.Command(
                $"""
                INSERT INTO identities (id, profile_id, claimed_at) VALUES ($id, $profile, $at) ON CONFLICT (id) {onConflict};
                SELECT profile_id FROM identities WHERE id = $id;
                """,
                ("$id", key),
                ("$profile", profileId),
                ("$from", fromProfileId),
                ("$at", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)));
            return (string)command.ExecuteScalar()!;
        });
    }
}
