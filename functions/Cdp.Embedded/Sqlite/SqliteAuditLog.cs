using System.Text;
using System.Text.Json;
using Cdp.Core.Events;
using Cdp.Core.Privacy;

namespace Cdp.Embedded.Sqlite;

/// <summary>The audit log in SQLite (<c>audit</c>): rows inserted, never updated or deleted; read by time with filters.</summary>
public sealed class SqliteAuditLog(SqliteDatabase database) : IAuditLog
{
    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        database.Write(transaction =>
        {
            using var insert = transaction.Command(
                "INSERT INTO audit (id, at, actor, action, profile_id, body) VALUES ($id, $at, $actor, $action, $profile, $body) ON CONFLICT (id) DO NOTHING",
                ("$id", entry.Id),
                ("$at", SqliteTime.Format(entry.At)),
                ("$actor", entry.Actor),
                ("$action", entry.Action.ToString()),
                ("$profile", entry.ProfileId),
                ("$body", JsonSerializer.Serialize(entry, CdpJson.Options)));
            return insert.ExecuteNonQuery();
        });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder("SELECT body FROM audit WHERE at >= $from AND at < $to");
        var parameters = new List<(string, object?)> { ("$from", SqliteTime.Format(query.From)), ("$to", SqliteTime.Format(query.To)), ("$max", query.Limit) };
        foreach (var (column, value) in new[] { ("profile_id", query.ProfileId), ("actor", query.Actor), ("action", query.Action?.ToString()) })
        {
            if (value is not null)
            {
                sql.Append(" AND ").Append(column).Append(" = $").Append(column);
                parameters.Add(("$" + column, value));
            }
        }

        sql.Append(" ORDER BY at DESC, id DESC LIMIT $max");
        using var connection = database.Open();
        using var select = connection.Command(sql.ToString(), [.. parameters]);
        return Task.FromResult<IReadOnlyList<AuditEntry>>(select.ReadJson<AuditEntry>());
    }
}
