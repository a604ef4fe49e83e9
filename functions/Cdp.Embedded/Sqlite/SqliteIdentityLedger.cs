using System.Globalization;
using System.Text.Json;
using Cdp.Core.Events;
using Cdp.Core.Identity;

namespace Cdp.Embedded.Sqlite;

/// <summary>The ledger in SQLite: one row per entry (JSON), by profile; appending an entry again keeps the first.</summary>
public sealed class SqliteIdentityLedger(SqliteDatabase database) : IIdentityLedger
{
    public Task AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        database.WriteEach(entries, (transaction, entry) => transaction.Command(
            "INSERT INTO ledger (id, profile_id, at, body) VALUES ($id, $profile, $at, $body) ON CONFLICT (id) DO NOTHING",
            ("$id", entry.Id),
            ("$profile", entry.ProfileId),
            ("$at", entry.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("$body", JsonSerializer.Serialize(entry, CdpJson.Options))));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LedgerEntry>> ListAsync(string profileId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command("SELECT body FROM ledger WHERE profile_id = $profile ORDER BY at, id", ("$profile", profileId));
        return Task.FromResult<IReadOnlyList<LedgerEntry>>(select.ReadJson<LedgerEntry>());
    }

    public Task<int> DeleteAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult(database.Delete("DELETE FROM ledger WHERE profile_id = $profile", ("$profile", profileId)));
}
