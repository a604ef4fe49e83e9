using System.Globalization;
using Cdp.Core.Identity;

namespace Cdp.Embedded.Sqlite;

/// <summary>The identity index in SQLite: one row per identifier, keyed by <see cref="Identifier.IndexKey"/>; the first insert wins.</summary>
public sealed class SqliteIdentityIndex(SqliteDatabase database, TimeProvider time) : IIdentityIndex
{
    public Task<string?> FindAsync(Identifier identifier, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        using var connection = database.Open();
        using var select = connection.Command("SELECT profile_id FROM identities WHERE id = $id", ("$id", identifier.IndexKey));
        return Task.FromResult(select.ExecuteScalar() as string);
    }

    public Task<string> ClaimAsync(Identifier identifier, string profileId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        ArgumentException.ThrowIfNullOrWhiteSpace(profileId);
        // Insert unless present, then report the owner, in one write transaction.
        return Task.FromResult(database.Write(transaction =>
        {
            using var claim = transaction.Command(
            """
            INSERT INTO identities (id, profile_id, claimed_at) VALUES ($id, $profile, $at) ON CONFLICT (id) DO NOTHING;
            SELECT profile_id FROM identities WHERE id = $id;
            """,
            ("$id", identifier.IndexKey),
            ("$profile", profileId),
            ("$at", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)));
            return (string)claim.ExecuteScalar()!;
        }));
    }
}
