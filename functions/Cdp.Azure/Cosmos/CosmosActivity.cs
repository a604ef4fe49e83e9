using System.Globalization;
using Cdp.Core.Activity;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// Each instance's activity by minute in the container <c>activity</c> (partition key <c>/day</c>, <c>yyyyMMdd</c> UTC):
/// one item per minute and instance (<c>{yyyyMMddHHmm}.{instance}</c>), upserted with the instance's totals (about one
/// write of ~1 KB per instance every 15 seconds), expiring after <see cref="IActivityStore.Retention"/> by its <c>ttl</c>.
/// A read is one single-partition query per day of its range (one or two).
/// </summary>
public sealed class CosmosActivity(Container activity) : IActivityStore
{
    public async Task PutAsync(string instance, IReadOnlyList<ActivityMinute> minutes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        foreach (var minute in minutes)
        {
            var day = DayOf(minute.Minute);
            var item = CosmosItems.ToItem(new ActivityItem(day, MinuteOf(minute.Minute), minute.Collected, minute.Applied, minute.Merged, minute.DeadLettered), $"{MinuteOf(minute.Minute)}.{instance}", IActivityStore.Retention);
            using var body = new MemoryStream(item);
            using var response = await activity.UpsertItemStreamAsync(body, new PartitionKey(day), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }

    public async Task<IReadOnlyList<ActivityMinute>> ListAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        var rows = new List<ActivityMinute>();
        // A report covers at most a day (ActivityService.MaxMinutes): the day it starts and the next.
        for (var day = from.UtcDateTime.Date; day <= from.UtcDateTime.Date.AddDays(1); day = day.AddDays(1))
        {
            var query = new QueryDefinition("SELECT * FROM c WHERE c.day = @day AND c.minute >= @from")
                .WithParameter("@day", DayOf(day))
                .WithParameter("@from", MinuteOf(from));
            rows.AddRange((await CosmosItems.QueryAsync<ActivityItem>(activity, query, DayOf(day), cancellationToken))
                .Where(i => string.CompareOrdinal(i.Minute, MinuteOf(from)) >= 0)
                .Select(i => new ActivityMinute(
                    new DateTimeOffset(DateTime.ParseExact(i.Minute, "yyyyMMddHHmm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)),
                    i.Collected,
                    i.Applied,
                    i.Merged,
                    i.DeadLettered)));
        }

        return rows;
    }

    private static string DayOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>A minute as the items hold it, <c>yyyyMMddHHmm</c> UTC: text order is time order.</summary>
    private static string MinuteOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    private sealed record ActivityItem(string Day, string Minute, long Collected, long Applied, long Merged, long DeadLettered);
}
