using System.Globalization;
using System.Text.Json;
using Cdp.Core.Events;

namespace Cdp.Embedded.Sqlite;

/// <summary>
/// Saved definitions (segments, journeys) in a table <c>(id, tag, body)</c>: JSON bodies by id, a tag per row
/// for optimistic concurrency (one more at each replace).
/// </summary>
internal sealed class SqliteDefinitions<T>(SqliteDatabase database, string table, Func<T, string> idOf)
{
    public (T Definition, string Tag)? Get(string id)
    {
        using var connection = database.Open();
        using var select = connection.Command($"SELECT tag, body FROM {table} WHERE id = $id", ("$id", id));
        using var reader = select.ExecuteReader();
        return reader.Read() ? (SqliteCommands.FromJson<T>(reader.GetString(1)), reader.GetInt64(0).ToString(CultureInfo.InvariantCulture)) : null;
    }

    public IReadOnlyList<T> List()
    {
        using var connection = database.Open();
        using var select = connection.Command($"SELECT body FROM {table} ORDER BY id");
        return select.ReadJson<T>();
    }

    /// <summary>Creates (<paramref name="versionTag"/> null) or replaces against the tag; the new tag, or null.</summary>
    public string? TryPut(T definition, string? versionTag)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var body = JsonSerializer.Serialize(definition, CdpJson.Options);
        long? expected = versionTag is null ? null : long.TryParse(versionTag, NumberStyles.None, CultureInfo.InvariantCulture, out var tag) ? tag : -1;
        var written = database.Write(transaction =>
        {
            using var write = expected is null
                ? transaction.Command($"INSERT INTO {table} (id, tag, body) VALUES ($id, 1, $body) ON CONFLICT (id) DO NOTHING", ("$id", idOf(definition)), ("$body", body))
                : transaction.Command($"UPDATE {table} SET tag = tag + 1, body = $body WHERE id = $id AND tag = $expected", ("$id", idOf(definition)), ("$body", body), ("$expected", expected));
            return write.ExecuteNonQuery() > 0;
        });
        return written ? ((expected ?? 0) + 1).ToString(CultureInfo.InvariantCulture) : null;
    }

    public bool Delete(string id) => database.Delete($"DELETE FROM {table} WHERE id = $id", ("$id", id)) > 0;
}
