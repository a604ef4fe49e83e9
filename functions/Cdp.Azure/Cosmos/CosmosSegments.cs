using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Segments;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The segment ports in Cosmos DB. <c>segments</c> (<c>/id</c>): definitions, the ETag as version tag, listed by
/// read feed. <c>segmentTransitions</c> (<c>/segmentId</c>): a transition item per id (created once) and a member
/// item per profile (<c>member.{profileId}</c>, the latest transition's kind, replaced against its ETag), read by
/// single-partition queries for the API. <c>segmentSchedule</c> (<c>/bucket</c>, one partition per minute,
/// <c>yyyyMMddHHmm</c>): what to evaluate when, read bucket by bucket from a cursor item (bucket <c>cursor</c>)
/// that follows the oldest bucket still holding work (at first, a day back), at most <see cref="MaxBucketsPerRead"/>
/// buckets per read.
/// </summary>
public sealed class CosmosSegments(Container segments, Container transitionItems, Container schedule) : ISegmentStore, ISegmentTransitions, ISegmentSchedule
{
    /// <summary>
    /// How many minute buckets one read of the schedule scans at most: a day, so a host down for a day catches up
    /// in one read (an empty bucket costs one small single-partition query); in steady state a read scans one or two.
    /// </summary>
    public const int MaxBucketsPerRead = 1440;

    private const string CursorBucket = "cursor";
    private const string TransitionType = "transition";
    private const string MemberType = "member";

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
            var item = JsonSerializer.SerializeToNode(transition, CdpJson.Options)!.AsObject();
            item["type"] = TransitionType;
            item["schemaVersion"] = 1;
            using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(item, CdpJson.Options));
            using var created = await transitionItems.CreateItemStreamAsync(body, new PartitionKey(transition.SegmentId), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
            if (created.StatusCode == HttpStatusCode.Conflict)
            {
                continue; // recorded before, with its membership
            }

            created.EnsureSuccessStatusCode();
            await SetMemberAsync(transition, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<SegmentTransition>> ListAsync(string segmentId, int max, CancellationToken cancellationToken)
    {
        var items = await QueryAsync(segmentId, TransitionType, cancellationToken);
        return [.. items.Select(i => i.Deserialize<SegmentTransition>(CdpJson.Options)!).OrderByDescending(t => t.At).ThenByDescending(t => t.Id, StringComparer.Ordinal).Take(max)];
    }

    /// <summary>An export's read: one cross-partition query (indexed on <c>/profileId</c>) over every segment's transitions.</summary>
    public async Task<IReadOnlyList<SegmentTransition>> ListForProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @t AND c.profileId = @p")
            .WithParameter("@t", TransitionType).WithParameter("@p", profileId);
        var items = await CosmosItems.QueryAsync<SegmentTransition>(transitionItems, query, partitionKey: null, cancellationToken);
        return [.. items.OrderBy(t => t.At).ThenBy(t => t.ProfileVersion)];
    }

    /// <summary>An erasure's delete: one cross-partition query (indexed on <c>/profileId</c>) finds the profile's transition and member items of every segment.</summary>
    public async Task<int> DeleteForProfileAsync(string profileId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT c.id, c.segmentId FROM c WHERE c.profileId = @p").WithParameter("@p", profileId);
        var deleted = 0;
        foreach (var item in await CosmosItems.QueryAsync<JsonElement>(transitionItems, query, partitionKey: null, cancellationToken))
        {
            deleted += await CosmosItems.DeleteAsync(transitionItems, item.GetProperty("id").GetString()!, item.GetProperty("segmentId").GetString()!, cancellationToken) ? 1 : 0;
        }

        return deleted;
    }

    public async Task<long> CountMembersAsync(string segmentId, CancellationToken cancellationToken) =>
        (await QueryAsync(segmentId, MemberType, cancellationToken)).Count(i => i.GetProperty("member").GetBoolean());

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

    /// <summary>Keeps the member item at the latest transition (by profile version), against its ETag.</summary>
    private async Task SetMemberAsync(SegmentTransition transition, CancellationToken cancellationToken)
    {
        var id = "member." + transition.ProfileId;
        var member = new JsonObject
        {
            ["id"] = id,
            ["segmentId"] = transition.SegmentId,
            ["profileId"] = transition.ProfileId,
            ["type"] = MemberType,
            ["member"] = transition.Kind == SegmentTransitionKind.Entered,
            ["version"] = transition.ProfileVersion,
            ["schemaVersion"] = 1,
        };
        var key = new PartitionKey(transition.SegmentId);
        while (true)
        {
            using var read = await transitionItems.ReadItemStreamAsync(id, key, cancellationToken: cancellationToken);
            using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(member, CdpJson.Options));
            ResponseMessage written;
            if (read.StatusCode == HttpStatusCode.NotFound)
            {
                written = await transitionItems.CreateItemStreamAsync(body, key, new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
            }
            else
            {
                read.EnsureSuccessStatusCode();
                var held = await CosmosJson.ReadAsync<JsonElement>(read.Content, cancellationToken);
                if (held.GetProperty("version").GetInt64() >= transition.ProfileVersion)
                {
                    return;
                }

                written = await transitionItems.ReplaceItemStreamAsync(body, id, key, new ItemRequestOptions { IfMatchEtag = read.Headers.ETag, EnableContentResponseOnWrite = false }, cancellationToken);
            }

            using (written)
            {
                if (written.StatusCode is not (HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed))
                {
                    written.EnsureSuccessStatusCode();
                    return;
                }
            }
        }
    }

    private async Task<IReadOnlyList<JsonElement>> QueryAsync(string segmentId, string type, CancellationToken cancellationToken) =>
        await CosmosItems.QueryAsync<JsonElement>(
            transitionItems,
            new QueryDefinition("SELECT * FROM c WHERE c.segmentId = @s AND c.type = @t").WithParameter("@s", segmentId).WithParameter("@t", type),
            segmentId,
            cancellationToken);

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
