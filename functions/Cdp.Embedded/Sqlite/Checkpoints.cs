using Microsoft.Data.Sqlite;

namespace Cdp.Embedded.Sqlite;

/// <summary>Consumer checkpoints, shared by the event log and the change log. Positions only move forward.</summary>
internal static class Checkpoints
{
    public static long Read(SqliteConnection connection, string consumer, int partition)
    {
        using var select = connection.Command(
            "SELECT position FROM checkpoints WHERE consumer = $consumer AND partition = $partition",
            ("$consumer", consumer),
            ("$partition", partition));
        return select.ExecuteScalar() is long position ? position : 0;
    }

    public static void Write(SqliteDatabase database, string consumer, int partition, long position) =>
        database.Write(transaction =>
        {
            using var upsert = transaction.Command(
            """
            INSERT INTO checkpoints (consumer, partition, position) VALUES ($consumer, $partition, $position)
            ON CONFLICT (consumer, partition) DO UPDATE SET position = max(position, excluded.position)
            """,
            ("$consumer", consumer),
            ("$partition", partition),
            ("$position", position));
            return upsert.ExecuteNonQuery();
        });

    /// <summary>Removes every checkpoint of <paramref name="consumer"/> (a deleted destination's: it would hold back pruning).</summary>
    public static int Forget(SqliteDatabase database, string consumer) =>
        database.Delete("DELETE FROM checkpoints WHERE consumer = $consumer", ("$consumer", consumer));
}
