using System.Globalization;
using System.Text.Json;
using Cdp.Core.Events;
using Cdp.Core.Segments;

namespace Cdp.Embedded.Sqlite;

/// <summary>
/// The segment ports in SQLite: definitions (<c>segments</c>, a tag per row for optimistic concurrency),
/// transitions (<c>segment_transitions</c>, once per id, pruned after <see cref="ISegmentTransitions.Retention"/>)
/// with the membership they leave (<c>segment_members</c>: the latest transition's kind per segment and profile) and
/// each segment's member count (<c>segment_counts</c>, changed in the same transaction as the membership), and the
/// time-condition schedule (<c>segment_schedule</c>, indexed by instant).
/// </summary>
public sealed class SqliteSegments(SqliteDatabase database, TimeProvider time) : ISegmentStore, ISegmentTransitions, ISegmentSchedule
{
    private readonly SqliteDefinitions<SegmentDefinition> _definitions = new(database, "segments", d => d.Id);

    public Task<StoredSegment?> GetAsync(string segmentId, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.Get(segmentId) is { } held ? new StoredSegment(held.Definition, held.Tag) : null);

    public Task<IReadOnlyList<SegmentDefinition>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_definitions.List());

    public Task<string?> TryPutAsync(SegmentDefinition definition, string? versionTag, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.TryPut(definition, versionTag));

    public Task<bool> DeleteAsync(string segmentId, CancellationToken cancellationToken) => Task.FromResult(_definitions.Delete(segmentId));

    public Task RecordAsync(IReadOnlyList<SegmentTransition> transitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        var recordedAt = SqliteTime.Format(time.GetUtcNow());
        database.Write(transaction =>
        {
            foreach (var transition in transitions)
            {
                using var record = transaction.Command(
                    "INSERT INTO segment_transitions (id, segment_id, at, body, recorded_at) VALUES ($id, $segment, $at, $body, $recorded) ON CONFLICT (id) DO NOTHING",
                    ("$id", transition.Id),
                    ("$segment", transition.SegmentId),
                    ("$at", SqliteTime.Format(transition.At)),
                    ("$body", JsonSerializer.Serialize(transition, CdpJson.Options)),
                    ("$recorded", recordedAt));
                if (record.ExecuteNonQuery() > 0)
                {
                    SetMember(transaction, transition);
                }
            }

            return transitions.Count;
        });
        return Task.CompletedTask;
    }

    /// <summary>Removes the transitions recorded before <paramref name="before"/> (the retention pruner calls it); how many.</summary>
    public Task<int> PruneTransitionsAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        Task.FromResult(database.Delete("DELETE FROM segment_transitions WHERE recorded_at < $before", ("$before", SqliteTime.Format(before))));

    public Task<IReadOnlyList<SegmentTransition>> ListAsync(string segmentId, int max, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command(
            "SELECT body FROM segment_transitions WHERE segment_id = $segment ORDER BY at DESC, id DESC LIMIT $max", ("$segment", segmentId), ("$max", max));
        return Task.FromResult<IReadOnlyList<SegmentTransition>>(select.ReadJson<SegmentTransition>());
    }

    /// <summary>An export's read: transitions are found by their body (a scan of the table; exports are rare).</summary>
    public Task<IReadOnlyList<SegmentTransition>> ListForProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command(
            "SELECT body FROM segment_transitions WHERE json_extract(body, '$.profileId') = $profile ORDER BY at, id",
            ("$profile", profileId));
        return Task.FromResult<IReadOnlyList<SegmentTransition>>(select.ReadJson<SegmentTransition>());
    }

    /// <summary>An erasure's delete: transitions are found by their body (a scan of the table; erasures are rare).</summary>
    /// <remarks>The profile's memberships leave their segments' counts in the same transaction.</remarks>
    public Task<int> DeleteForProfileAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult(database.Write(transaction =>
        {
            using var uncount = transaction.Command(
                "UPDATE segment_counts SET members = members - 1 WHERE segment_id IN (SELECT segment_id FROM segment_members WHERE profile_id = $profile AND member = 1)",
                ("$profile", profileId));
            uncount.ExecuteNonQuery();
            using var delete = transaction.Command(
                """
                DELETE FROM segment_transitions WHERE json_extract(body, '$.profileId') = $profile;
                DELETE FROM segment_members WHERE profile_id = $profile;
                """,
                ("$profile", profileId));
            return delete.ExecuteNonQuery();
        }));

    public Task<long> CountMembersAsync(string segmentId, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var count = connection.Command("SELECT members FROM segment_counts WHERE segment_id = $segment", ("$segment", segmentId));
        return Task.FromResult(count.ExecuteScalar() is long members ? members : 0L);
    }

    /// <summary>The membership follows the latest transition by profile version; the count follows the membership.</summary>
    private static void SetMember(Microsoft.Data.Sqlite.SqliteTransaction transaction, SegmentTransition transition)
    {
        using var held = transaction.Command(
            "SELECT version, member FROM segment_members WHERE segment_id = $segment AND profile_id = $profile",
            ("$segment", transition.SegmentId),
            ("$profile", transition.ProfileId));
        long? heldVersion = null;
        var wasMember = 0L;
        using (var reader = held.ExecuteReader())
        {
            if (reader.Read())
            {
                (heldVersion, wasMember) = (reader.GetInt64(0), reader.GetInt64(1));
            }
        }

        if (heldVersion >= transition.ProfileVersion)
        {
            return;
        }

        var isMember = transition.Kind == SegmentTransitionKind.Entered ? 1L : 0L;
        using var member = transaction.Command(
            """
            INSERT INTO segment_members (segment_id, profile_id, version, member) VALUES ($segment, $profile, $version, $member)
            ON CONFLICT (segment_id, profile_id) DO UPDATE SET version = excluded.version, member = excluded.member
            """,
            ("$segment", transition.SegmentId),
            ("$profile", transition.ProfileId),
            ("$version", transition.ProfileVersion),
            ("$member", isMember));
        member.ExecuteNonQuery();
        if (isMember != wasMember)
        {
            using var count = transaction.Command(
                "INSERT INTO segment_counts (segment_id, members) VALUES ($segment, $delta) ON CONFLICT (segment_id) DO UPDATE SET members = members + excluded.members",
                ("$segment", transition.SegmentId),
                ("$delta", isMember - wasMember));
            count.ExecuteNonQuery();
        }
    }

    public Task ScheduleAsync(string profileId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        database.Write(transaction =>
        {
            using var insert = transaction.Command(
                "INSERT INTO segment_schedule (profile_id, at) VALUES ($profile, $at) ON CONFLICT DO NOTHING", ("$profile", profileId), ("$at", SqliteTime.Format(at)));
            return insert.ExecuteNonQuery();
        });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ScheduledEvaluation>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        using var select = connection.Command(
            "SELECT profile_id, at FROM segment_schedule WHERE at <= $now ORDER BY at LIMIT $max", ("$now", SqliteTime.Format(now)), ("$max", max));
        using var reader = select.ExecuteReader();
        var due = new List<ScheduledEvaluation>();
        while (reader.Read())
        {
            due.Add(new ScheduledEvaluation(reader.GetString(0), SqliteTime.Parse(reader.GetString(1))));
        }

        return Task.FromResult<IReadOnlyList<ScheduledEvaluation>>(due);
    }

    public Task CompleteAsync(ScheduledEvaluation evaluation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        database.Write(transaction =>
        {
            using var delete = transaction.Command(
                "DELETE FROM segment_schedule WHERE profile_id = $profile AND at = $at", ("$profile", evaluation.ProfileId), ("$at", SqliteTime.Format(evaluation.At)));
            return delete.ExecuteNonQuery();
        });
        return Task.CompletedTask;
    }
}
