using System.Globalization;
using System.Text;
using System.Text.Json;
using Cdp.Core.Changes;
using Cdp.Core.Events;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Embedded.Streaming;
using Microsoft.Data.Sqlite;

namespace Cdp.Embedded.Sqlite;

/// <summary>
/// Profiles in SQLite with a version per row, and the profile change log written in the same transaction
/// as each profile write (so a change is never lost nor recorded for a write that did not happen).
/// Also the change feed's reader over that log. A deleted profile's row is removed at once; its tombstone
/// goes to the change log only.
/// </summary>
/// <remarks>Personal values are written encrypted and read decrypted through <paramref name="protector"/> (when given).</remarks>
public sealed class SqliteProfileStore(SqliteDatabase database, PersonalDataProtector? protector = null) : IProfileStore, IProfileChangeFeed, IProfileCatalog
{
    private const int ChangeFeedPartition = 0;

    /// <summary>Signalled after every profile write.</summary>
    public ChangeSignal Changed { get; } = new();

    public async Task<StoredProfile?> GetAsync(string profileId, CancellationToken cancellationToken)
    {
        string body;
        long version;
        using (var connection = database.Open())
        using (var select = connection.Command("SELECT version, body FROM profiles WHERE id = $id", ("$id", profileId)))
        using (var reader = select.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            (version, body) = (reader.GetInt64(0), reader.GetString(1));
        }

        return new StoredProfile(await ReadableAsync(body, cancellationToken), version.ToString(CultureInfo.InvariantCulture));
    }

    public async Task<string?> TryCreateAsync(Profile profile, CancellationToken cancellationToken) =>
        Write(profile, await StoredBodyAsync(profile, cancellationToken), expectedVersion: null);

    public async Task<string?> TryReplaceAsync(Profile profile, string versionTag, CancellationToken cancellationToken) =>
        long.TryParse(versionTag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? Write(profile, await StoredBodyAsync(profile, cancellationToken), version) : null;

    public Task<bool> TryDeleteAsync(StoredProfile stored, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!long.TryParse(stored.VersionTag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected))
        {
            return Task.FromResult(false);
        }

        var tombstone = ProfileDocument.Tombstone(stored.Profile.Id, stored.Profile.Version, deletedAt);
        var deleted = database.Write(transaction =>
        {
            using var delete = transaction.Command(
                "DELETE FROM profiles WHERE id = $id AND version = $expected", ("$id", tombstone.Id), ("$expected", expected));
            if (delete.ExecuteNonQuery() == 0)
            {
                return false;
            }

            // The log keeps no earlier version of an erased profile: consumers behind still read the tombstone.
            using var forget = transaction.Command("DELETE FROM profile_changes WHERE profile_id = $id", ("$id", tombstone.Id));
            forget.ExecuteNonQuery();
            LogChange(transaction, tombstone.Id, expected + 1, JsonSerializer.Serialize(tombstone, CdpJson.Options));
            return true;
        });

        if (deleted)
        {
            Changed.Notify();
        }

        return Task.FromResult(deleted);
    }

    /// <summary>Profiles in id order; the position is the last id read.</summary>
    public async Task<ProfilePage> ListAsync(string? position, int max, CancellationToken cancellationToken)
    {
        var rows = new List<(long Version, string Body)>();
        using (var connection = database.Open())
        using (var select = connection.Command(
            "SELECT id, version, body FROM profiles WHERE id > $after ORDER BY id LIMIT $max", ("$after", position ?? string.Empty), ("$max", max)))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(1), reader.GetString(2)));
            }
        }

        var profiles = new List<StoredProfile>(rows.Count);
        foreach (var (version, body) in rows)
        {
            profiles.Add(new StoredProfile(await ReadableAsync(body, cancellationToken), version.ToString(CultureInfo.InvariantCulture)));
        }

        return new ProfilePage(profiles, profiles.Count == max ? profiles[^1].Profile.Id : null);
    }

    public Task<ProfileChangeBatch> ReadAsync(string consumer, int maxCount, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        var after = Checkpoints.Read(connection, ChangeConsumer(consumer), ChangeFeedPartition);
        using var select = connection.Command(
            "SELECT seq, profile_id, version, body FROM profile_changes WHERE seq > $after ORDER BY seq LIMIT $max",
            ("$after", after),
            ("$max", maxCount));
        using var reader = select.ExecuteReader();
        var changes = new List<ProfileChange>();
        var position = after;
        while (reader.Read())
        {
            position = reader.GetInt64(0);
            changes.Add(new ProfileChange(
                reader.GetString(1),
                reader.GetInt64(2).ToString(CultureInfo.InvariantCulture),
                Deserialize(reader.GetString(3))));
        }

        return Task.FromResult(new ProfileChangeBatch(changes, position.ToString(CultureInfo.InvariantCulture)));
    }

    public Task CheckpointAsync(string consumer, ProfileChangeBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Checkpoints.Write(database, ChangeConsumer(consumer), ChangeFeedPartition, long.Parse(batch.Position, NumberStyles.None, CultureInfo.InvariantCulture));
        return Task.CompletedTask;
    }

    /// <summary>Writes the profile and its change; the new version tag, or null when the version was stale.</summary>
    private string? Write(Profile profile, string body, long? expectedVersion)
    {
        // The row's version counts writes of the row (it restarts when a deleted id is created again); the
        // document's own version orders the change feed.
        var newVersion = (expectedVersion ?? 0) + 1;
        var written = database.Write(transaction =>
        {
            using var write = expectedVersion is null
                ? transaction.Command(
                    "INSERT INTO profiles (id, version, body) VALUES ($id, $version, $body) ON CONFLICT (id) DO NOTHING",
                    ("$id", profile.Id), ("$version", newVersion), ("$body", body))
                : transaction.Command(
                    "UPDATE profiles SET version = $version, body = $body WHERE id = $id AND version = $expected",
                    ("$id", profile.Id), ("$version", newVersion), ("$body", body), ("$expected", expectedVersion));
            if (write.ExecuteNonQuery() == 0)
            {
                return false;
            }

            LogChange(transaction, profile.Id, newVersion, body);
            return true;
        });

        if (!written)
        {
            return null;
        }

        Changed.Notify();
        return newVersion.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Compacts the change log as Cosmos DB's latest-version feed is compacted: removes each change that a later
    /// change of the same profile supersedes, once every consumer has checkpointed past it (a consumer that starts
    /// later still reads the latest change of every profile); how many were removed.
    /// </summary>
    public Task<int> CompactAsync(CancellationToken cancellationToken) =>
        Task.FromResult(database.Write(transaction =>
        {
            using var compact = transaction.Command(
                """
                DELETE FROM profile_changes
                WHERE seq <= (SELECT COALESCE(MIN(position), 0) FROM checkpoints WHERE consumer LIKE 'changes:%')
                  AND EXISTS (SELECT 1 FROM profile_changes later WHERE later.profile_id = profile_changes.profile_id AND later.seq > profile_changes.seq)
                """);
            return compact.ExecuteNonQuery();
        }));

    private static void LogChange(SqliteTransaction transaction, string profileId, long version, string body)
    {
        using var log = transaction.Command(
            "INSERT INTO profile_changes (profile_id, version, body) VALUES ($id, $version, $body)",
            ("$id", profileId), ("$version", version), ("$body", body));
        log.ExecuteNonQuery();
    }

    private static string ChangeConsumer(string consumer) => "changes:" + consumer;

    /// <summary>The changes after <paramref name="consumer"/>'s checkpoint.</summary>
    public long Backlog(string consumer) => Lag(consumer).Behind;

    /// <summary>The changes after <paramref name="consumer"/>'s checkpoint, and when the oldest of them was written (null: none).</summary>
    public (long Behind, DateTimeOffset? Oldest) Lag(string consumer)
    {
        using var connection = database.Open();
        using var select = connection.Command(
            "SELECT COUNT(*), MIN(json_extract(body, '$.updatedAt')) FROM profile_changes WHERE seq > $after",
            ("$after", Checkpoints.Read(connection, ChangeConsumer(consumer), ChangeFeedPartition)));
        using var reader = select.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : SqliteTime.Parse(reader.GetString(1)));
    }

    /// <summary>Removes <paramref name="consumer"/>'s checkpoint (it is gone: it would hold back pruning).</summary>
    public void Forget(string consumer) => Checkpoints.Forget(database, ChangeConsumer(consumer));

    /// <summary>The profile's stored JSON: personal values encrypted when a protector is given.</summary>
    private async ValueTask<string> StoredBodyAsync(Profile profile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var document = profile.ToDocument();
        var body = JsonSerializer.Serialize(protector is null ? document : await protector.ProtectAsync(document, cancellationToken), CdpJson.Options);
        // The same bound as Cosmos DB's item size gives the cloud (ProfileDocument.MaxStoredBytes): both hosts alike.
        var bytes = body.Length <= ProfileDocument.MaxStoredBytes / 3 ? body.Length : Encoding.UTF8.GetByteCount(body);
        return bytes > ProfileDocument.MaxStoredBytes ? throw new ProfileTooLargeException(profile.Id, bytes) : body;
    }

    private async ValueTask<Profile> ReadableAsync(string body, CancellationToken cancellationToken)
    {
        var document = Deserialize(body);
        return Profile.FromDocument(protector is null ? document : await protector.UnprotectAsync(document, cancellationToken));
    }

    private static ProfileDocument Deserialize(string body) =>
        JsonSerializer.Deserialize<ProfileDocument>(body, CdpJson.Options) ?? throw new InvalidDataException("A stored profile is empty.");
}
