using Cdp.Core.Privacy;

namespace Cdp.Embedded.Sqlite;

/// <summary>
/// The privacy ports in SQLite: erasure records (<c>erasures</c>, a tag per row) and data keys (<c>data_keys</c>,
/// one wrapped key per profile, inserted once).
/// </summary>
public sealed class SqlitePrivacy(SqliteDatabase database) : IErasureStore, IDataKeyStore
{
    private readonly SqliteDefinitions<Erasure> _erasures = new(database, "erasures", e => e.Id);

    public Task<StoredErasure?> GetAsync(string erasureId, CancellationToken cancellationToken) =>
        Task.FromResult(_erasures.Get(erasureId) is { } held ? new StoredErasure(held.Definition, held.Tag) : null);

    public Task<IReadOnlyList<Erasure>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_erasures.List());

    /// <summary>
    /// Stores the erasure; once it is completed, the write-ahead log is emptied too (<see cref="SqliteDatabase.TruncateLog"/>):
    /// with <c>secure_delete</c>, the person's deleted values then remain nowhere in the data folder's files.
    /// </summary>
    public Task<string?> TryPutAsync(Erasure erasure, string? versionTag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(erasure);
        var tag = _erasures.TryPut(erasure, versionTag);
        if (tag is not null && erasure.Status == ErasureStatus.Completed)
        {
            // Readers (each waited for up to the busy timeout) can keep a checkpoint from finishing: tried a few times.
            for (var attempt = 0; attempt < 3 && !database.TruncateLog(); attempt++)
            {
            }
        }

        return Task.FromResult(tag);
    }

    Task<byte[]?> IDataKeyStore.GetAsync(string profileId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command("SELECT wrapped FROM data_keys WHERE profile_id = $profile", ("$profile", profileId));
        return Task.FromResult(select.ExecuteScalar() as byte[]);
    }

    public Task<byte[]> AddOnceAsync(string profileId, byte[] wrapped, CancellationToken cancellationToken) =>
        Task.FromResult(database.Write(transaction =>
        {
            using var insert = transaction.Command(
                "INSERT INTO data_keys (profile_id, wrapped) VALUES ($profile, $wrapped) ON CONFLICT (profile_id) DO NOTHING", ("$profile", profileId), ("$wrapped", wrapped));
            insert.ExecuteNonQuery();
            using var select = transaction.Command("SELECT wrapped FROM data_keys WHERE profile_id = $profile", ("$profile", profileId));
            return (byte[])select.ExecuteScalar()!;
        }));

    public Task<bool> DeleteAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult(database.Delete("DELETE FROM data_keys WHERE profile_id = $profile", ("$profile", profileId)) > 0);

    public Task<bool> ReplaceAsync(string id, byte[] expected, byte[] replacement, CancellationToken cancellationToken) =>
        Task.FromResult(database.Write(transaction =>
        {
            using var update = transaction.Command(
                "UPDATE data_keys SET wrapped = $replacement WHERE profile_id = $id AND wrapped = $expected", ("$id", id), ("$expected", expected), ("$replacement", replacement));
            return update.ExecuteNonQuery() == 1;
        }));

    /// <summary>By id; the cursor is the last id of the previous page.</summary>
    public Task<DataKeyPage> ListAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command(
            "SELECT profile_id, wrapped FROM data_keys WHERE profile_id > $after ORDER BY profile_id LIMIT $limit", ("$after", cursor ?? string.Empty), ("$limit", limit + 1));
        using var reader = select.ExecuteReader();
        var keys = new List<KeyValuePair<string, byte[]>>();
        while (reader.Read())
        {
            keys.Add(KeyValuePair.Create(reader.GetString(0), (byte[])reader.GetValue(1)));
        }

        return Task.FromResult(keys.Count > limit ? new DataKeyPage(keys[..limit], keys[limit - 1].Key) : new DataKeyPage(keys, null));
    }
}
