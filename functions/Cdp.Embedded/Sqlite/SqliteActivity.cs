using Cdp.Core.Activity;

namespace Cdp.Embedded.Sqlite;

/// <summary>Each instance's activity by minute in the table <c>activity</c> (minute, instance); minutes past the retention go at each write.</summary>
public sealed class SqliteActivity(SqliteDatabase database, TimeProvider time) : IActivityStore
{
    public Task PutAsync(string instance, IReadOnlyList<ActivityMinute> minutes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        database.Write(transaction =>
        {
            foreach (var m in minutes)
            {
                using var upsert = transaction.Command(
                    """
                    INSERT INTO activity (minute, instance, collected, applied, merged, dead_lettered) VALUES ($minute, $instance, $collected, $applied, $merged, $dead)
                    ON CONFLICT (minute, instance) DO UPDATE SET collected = excluded.collected, applied = excluded.applied, merged = excluded.merged, dead_lettered = excluded.dead_lettered
                    """,
                    ("$minute", SqliteTime.Format(m.Minute)), ("$instance", instance), ("$collected", m.Collected), ("$applied", m.Applied), ("$merged", m.Merged), ("$dead", m.DeadLettered));
                upsert.ExecuteNonQuery();
            }

            using var prune = transaction.Command("DELETE FROM activity WHERE minute < $before", ("$before", SqliteTime.Format(time.GetUtcNow() - IActivityStore.Retention)));
            return prune.ExecuteNonQuery();
        });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ActivityMinute>> ListAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command("SELECT minute, collected, applied, merged, dead_lettered FROM activity WHERE minute >= $from ORDER BY minute", ("$from", SqliteTime.Format(from)));
        using var reader = select.ExecuteReader();
        var rows = new List<ActivityMinute>();
        while (reader.Read())
        {
            rows.Add(new ActivityMinute(SqliteTime.Parse(reader.GetString(0)), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return Task.FromResult<IReadOnlyList<ActivityMinute>>(rows);
    }
}
