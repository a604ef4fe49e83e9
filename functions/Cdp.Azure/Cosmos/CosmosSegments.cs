using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Segments;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The segment ports in Cosmos DB. <c>segments</c> (<c>/id</c>): definitions, the ETag as version tag, listed by
/// read feed. <c>segmentMembership</c> (<c>/partition</c>): each segment spread over <see cref="Shards"/> logical
/// partitions (<c>{segmentId}|{shard}</c>, the shard a hash of the profile id), each holding its profiles'
/// transition items (created once, expiring after <see cref="ISegmentTransitions.Retention"/> by their <c>ttl</c>),
/// member items (<c>member.{profileId}</c>, the latest transition's kind) and a count item (<c>count</c>, the
/// shard's members). A transition, its member item and the count change in one transactional batch, so a size is
/// <see cref="Shards"/> point reads and stays exact under redelivery and crashes. <c>segmentSchedule</c>
/// (<c>/bucket</c>, one partition per minute, <c>yyyyMMddHHmm</c>): what to evaluate when, read bucket by bucket from
/// a cursor item (bucket <c>cursor</c>) that follows the oldest bucket still holding work (at first, a day back), at
/// most <see cref="MaxBucketsPerRead"/> buckets per read.
/// </summary>
public sealed class CosmosSegments(Container segments, Container membership, Container schedule, ICosmosBatches batches, TimeProvider time) : ISegmentStore, ISegmentTransitions, ISegmentSchedule
{
    /// <summary>
    /// How many logical partitions a segment's membership is spread over: each holds up to 20 GB and serves up to
    /// about 10,000 RU/s, so a segment holds 16 times that. Changing it would move every member: it is fixed.
    /// </summary>
    public const int Shards = 16;

    /// <summary>
    /// How many minute buckets one read of the schedule scans at most: a day, so a host down for a day catches up
    /// in one read (an empty bucket costs one small single-partition query); in steady state a read scans one or two.
    /// </summary>
    public const int MaxBucketsPerRead = 1440;

    private const string CursorBucket = "cursor";
    private const string TransitionType = "transition";
    private const string MemberType = "member";
    private const string CountType = "count";
    private const string CountId = "count";

    /// <summary>The windows a segment's newest transitions are read in, newest first (the read stops once it has enough).</summary>
    private static readonly TimeSpan[] ListWindows = [TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(7)];

    private readonly CosmosDefinitions<SegmentDefinition> _definitions = new(segments, d => d.Id);

    public async Task<StoredSegment?> GetAsync(string segmentId, CancellationToken cancellationToken) =>
        await _definitions.GetAsync(segmentId, cancellationToken) is { } held ? new StoredSegment(held.Definition, held.Tag) : null;

    public Task<IReadOnlyList<SegmentDefinition>> ListAsync(CancellationToken cancellationToken) => _definitions.ListAsync(cancellationToken);

    public Task<string?> TryPutAsync(SegmentDefinition definition, string? versionTag, CancellationToken cancellationToken) =>
        _definitions.TryPutAsync(definition, versionTag, cancellationToken);

    public Task<bool> DeleteAsync(string segmentId, CancellationToken cancellationToken) => _definitions.DeleteAsync(segmentId, cancellationToken);

    public async Task RecordAsync(IReadOnlyList<SegmentTransition> transitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        foreach (var transition in transitions)
        {
            await RecordAsync(transition, cancellationToken);
        }
    }

    /// <summary>
    /// The segment's newest transitions, read window by window back from now (the last minute, hour, day, week, then
    /// the rest of the retention) until <paramref name="max"/> are found, each window one query on the indexed
    /// <c>/segmentId</c> and <c>/atTicks</c>: a busy segment reads its recent items only. (An <c>ORDER BY</c> with
    /// <c>TOP</c> would need the query plan the test stand-in cannot serve: docs/decisions.md, 2026-12-04.)
    /// </summary>
    public async Task<IReadOnlyList<SegmentTransition>> ListAsync(string segmentId, int max, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        var found = new List<SegmentTransition>();
        var to = long.MaxValue;
        foreach (var from in ListWindows.Select(w => now - w.Ticks).Append(long.MinValue))
        {
            var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @t AND c.segmentId = @s AND c.atTicks >= @from AND c.atTicks < @to")
                .WithParameter("@t", TransitionType).WithParameter("@s", segmentId).WithParameter("@from", from).WithParameter("@to", to);
            found.AddRange(await CosmosItems.QueryAsync<SegmentTransition>(membership, query, partitionKey: null, cancellationToken));
            if (found.Count >= max)
            {
                break;
            }

            to = from;
        }

        return [.. found.OrderByDescending(t => t.At).ThenByDescending(t => t.Id, StringComparer.Ordinal).Take(max)];
    }

    /// <summary>An export's read: one cross-partition query (indexed on <c>/profileId</c>) over every segment's transitions.</summary>
    public async Task<IReadOnlyList<SegmentTransition>> ListForProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @t AND c.profileId = @p")
            .WithParameter("@t", TransitionType).WithParameter("@p", profileId);
        var items = await CosmosItems.QueryAsync<SegmentTransition>(membership, query, partitionKey: null, cancellationToken);
        return [.. items.OrderBy(t => t.At).ThenBy(t => t.ProfileVersion)];
    }

    /// <summary>
    /// An erasure's delete: one cross-partition query (indexed on <c>/profileId</c>) finds the profile's transition and
    /// member items of every segment; a member item leaves its shard's count in the same batch.
    /// </summary>
    public async Task<int> DeleteForProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT c.id, c.partition, c.type FROM c WHERE c.profileId = @p").WithParameter("@p", profileId);
        var deleted = 0;
        foreach (var item in await CosmosItems.QueryAsync<JsonElement>(membership, query, partitionKey: null, cancellationToken))
        {
            var (id, partition) = (item.GetProperty("id").GetString()!, item.GetProperty("partition").GetString()!);
            deleted += item.GetProperty("type").GetString() == MemberType
                ? await DeleteMemberAsync(id, partition, cancellationToken) ? 1 : 0
                : await CosmosItems.DeleteAsync(membership, id, partition, cancellationToken) ? 1 : 0;
        }

        return deleted;
    }

    /// <summary>The sum of the shards' count items: <see cref="Shards"/> point reads, whatever the segment's size.</summary>
    public async Task<long> CountMembersAsync(string segmentId, CancellationToken cancellationToken)
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, Shards).Select(async shard =>
        {
            using var read = await membership.ReadItemStreamAsync(CountId, new PartitionKey(PartitionOf(segmentId, shard)), cancellationToken: cancellationToken);
            if (read.StatusCode == HttpStatusCode.NotFound)
            {
                return 0L;
            }

            read.EnsureSuccessStatusCode();
            return (await CosmosJson.ReadAsync<JsonElement>(read.Content, cancellationToken)).GetProperty("members").GetInt64();
        }));
        return counts.Sum();
    }

    public async Task ScheduleAsync(string profileId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var item = new JsonObject { ["id"] = ScheduleId(profileId, at), ["bucket"] = Bucket(at), ["profileId"] = profileId, ["at"] = at, ["schemaVersion"] = 1 };
        await CosmosItems.CreateOnceAsync(schedule, JsonSerializer.SerializeToUtf8Bytes(item, CdpJson.Options), Bucket(at), cancellationToken);
    }

    public async Task<IReadOnlyList<ScheduledEvaluation>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        var (cursor, cursorTag) = await ReadCursorAsync(now, cancellationToken);
        var due = new List<ScheduledEvaluation>();
        string? firstHeld = null;
        var bucket = cursor;
        var scanned = 0;
        for (; scanned < MaxBucketsPerRead && due.Count < max && string.CompareOrdinal(Bucket(bucket), Bucket(now)) <= 0; scanned++, bucket = bucket.AddMinutes(1))
        {
            var query = new QueryDefinition("SELECT * FROM c WHERE c.bucket = @b").WithParameter("@b", Bucket(bucket));
            foreach (var item in await CosmosItems.QueryAsync<JsonElement>(schedule, query, Bucket(bucket), cancellationToken))
            {
                var evaluation = new ScheduledEvaluation(item.GetProperty("profileId").GetString()!, item.GetProperty("at").GetDateTimeOffset());
                firstHeld ??= Bucket(bucket);
                if (evaluation.At <= now && due.Count < max)
                {
                    due.Add(evaluation);
                }
            }
        }

        // The cursor moves to the oldest bucket that may still hold work: the first one read that held any, else where the scan stopped.
        var next = firstHeld is not null ? ParseBucket(firstHeld) : bucket;
        if (Bucket(next) != Bucket(cursor))
        {
            await WriteCursorAsync(next, cursorTag, cancellationToken);
        }

        return [.. due.OrderBy(d => d.At)];
    }

    public async Task CompleteAsync(ScheduledEvaluation evaluation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        using var response = await schedule.DeleteItemStreamAsync(ScheduleId(evaluation.ProfileId, evaluation.At), new PartitionKey(Bucket(evaluation.At)), cancellationToken: cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>The logical partition of a profile's items in a segment.</summary>
    public static string PartitionOf(string segmentId, string profileId) => PartitionOf(segmentId, ShardOf(profileId));

    private static string PartitionOf(string segmentId, int shard) => string.Create(CultureInfo.InvariantCulture, $"{segmentId}|{shard:D2}");

    /// <summary>A stable hash of the profile id (the same in every process and release), modulo <see cref="Shards"/>.</summary>
    private static int ShardOf(string profileId) =>
        (int)(BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(profileId))) % Shards);

    /// <summary>
    /// Creates the transition item and, when it is the profile's latest in the segment (by profile version), sets the
    /// member item and moves the shard's count, in one batch: a transition recorded before (409 on its creation)
    /// changed all three then; a member item changed meanwhile (412, 409) is read again.
    /// </summary>
    private async Task RecordAsync(SegmentTransition transition, CancellationToken cancellationToken)
    {
        const int MemberWrite = 1, CountWrite = 2;
        var partition = PartitionOf(transition.SegmentId, transition.ProfileId);
        var key = new PartitionKey(partition);
        var item = JsonSerializer.SerializeToNode(transition, CdpJson.Options)!.AsObject();
        item["type"] = TransitionType;
        item["partition"] = partition;
        item["atTicks"] = transition.At.UtcTicks;
        item["ttl"] = CosmosItems.Seconds(ISegmentTransitions.Retention);
        item["schemaVersion"] = 2;
        var record = CosmosWrite.Create(transition.Id, JsonSerializer.SerializeToUtf8Bytes(item, CdpJson.Options));
        var memberId = "member." + transition.ProfileId;
        var isMember = transition.Kind == SegmentTransitionKind.Entered;
        while (true)
        {
            var held = await ReadMemberAsync(memberId, key, cancellationToken);
            List<CosmosWrite> writes = [record];
            if (held is null || held.Value.Version < transition.ProfileVersion)
            {
                var member = new JsonObject
                {
                    ["id"] = memberId,
                    ["partition"] = partition,
                    ["segmentId"] = transition.SegmentId,
                    ["profileId"] = transition.ProfileId,
                    ["type"] = MemberType,
                    ["member"] = isMember,
                    ["version"] = transition.ProfileVersion,
                    ["schemaVersion"] = 2,
                };
                var body = JsonSerializer.SerializeToUtf8Bytes(member, CdpJson.Options);
                writes.Add(held is { } h ? CosmosWrite.Replace(memberId, body, h.ETag) : CosmosWrite.Create(memberId, body));
                var delta = (isMember ? 1 : 0) - (held?.Member == true ? 1 : 0);
                if (delta != 0)
                {
                    writes.Add(CosmosWrite.Increment(CountId, "/members", delta));
                }
            }

            switch (await batches.ExecuteAsync(membership, key, writes, cancellationToken))
            {
                case null:
                case { Index: 0, Status: HttpStatusCode.Conflict }:
                    return;
                case { Index: MemberWrite, Status: HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound }:
                    continue;
                case { Index: CountWrite, Status: HttpStatusCode.NotFound }:
                    await CreateCountAsync(transition.SegmentId, partition, cancellationToken);
                    continue;
                case { } failure:
                    throw failure.Unexpected();
            }
        }
    }

    /// <summary>Deletes a member item, taking it out of its shard's count if it was a member; false when it was gone.</summary>
    private async Task<bool> DeleteMemberAsync(string memberId, string partition, CancellationToken cancellationToken)
    {
        var key = new PartitionKey(partition);
        while (await ReadMemberAsync(memberId, key, cancellationToken) is { } held)
        {
            List<CosmosWrite> writes = [CosmosWrite.Delete(memberId, held.ETag)];
            if (held.Member)
            {
                writes.Add(CosmosWrite.Increment(CountId, "/members", -1));
            }

            switch (await batches.ExecuteAsync(membership, key, writes, cancellationToken))
            {
                case null:
                    return true;
                case { Index: 0, Status: HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound }:
                    continue;
                case { } failure:
                    throw failure.Unexpected();
            }
        }

        return false;
    }

    private async Task<(bool Member, long Version, string ETag)?> ReadMemberAsync(string memberId, PartitionKey key, CancellationToken cancellationToken)
    {
        using var read = await membership.ReadItemStreamAsync(memberId, key, cancellationToken: cancellationToken);
        if (read.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        read.EnsureSuccessStatusCode();
        var held = await CosmosJson.ReadAsync<JsonElement>(read.Content, cancellationToken);
        return (held.GetProperty("member").GetBoolean(), held.GetProperty("version").GetInt64(), read.Headers.ETag);
    }

    /// <summary>The shard's count item at zero, unless another writer created it first.</summary>
    private async Task CreateCountAsync(string segmentId, string partition, CancellationToken cancellationToken)
    {
        var count = new JsonObject { ["id"] = CountId, ["partition"] = partition, ["segmentId"] = segmentId, ["type"] = CountType, ["members"] = 0, ["schemaVersion"] = 1 };
        await CosmosItems.CreateOnceAsync(membership, JsonSerializer.SerializeToUtf8Bytes(count, CdpJson.Options), partition, cancellationToken);
    }

    private async Task<(DateTimeOffset Cursor, string? Tag)> ReadCursorAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var response = await schedule.ReadItemStreamAsync(CursorBucket, new PartitionKey(CursorBucket), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            // First read: start a day back (work is always scheduled for later than when it was asked).
            return (now.AddDays(-1), null);
        }

        response.EnsureSuccessStatusCode();
        var item = await CosmosJson.ReadAsync<JsonElement>(response.Content, cancellationToken);
        return (ParseBucket(item.GetProperty("next").GetString()!), response.Headers.ETag);
    }

    private async Task WriteCursorAsync(DateTimeOffset next, string? tag, CancellationToken cancellationToken)
    {
        var item = new JsonObject { ["id"] = CursorBucket, ["bucket"] = CursorBucket, ["next"] = Bucket(next), ["schemaVersion"] = 1 };
        using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(item, CdpJson.Options));
        // Against the tag read: a concurrent reader that moved it first wins, and this one's scan is read again next time.
        using var response = tag is null
            ? await schedule.CreateItemStreamAsync(body, new PartitionKey(CursorBucket), cancellationToken: cancellationToken)
            : await schedule.ReplaceItemStreamAsync(body, CursorBucket, new PartitionKey(CursorBucket), new ItemRequestOptions { IfMatchEtag = tag }, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed))
        {
            response.EnsureSuccessStatusCode();
        }
    }

    private static string ScheduleId(string profileId, DateTimeOffset at) => $"{profileId}.{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}";

    private static string Bucket(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseBucket(string bucket) =>
        DateTimeOffset.ParseExact(bucket, "yyyyMMddHHmm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
