using System.Text;
using System.Text.Json;
using Cdp.Core.Events;
using Cdp.Core.Privacy;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The audit log in the Cosmos DB <c>audit</c> container (partition key <c>/day</c>, <c>yyyy-MM-dd</c> UTC): one item per
/// entry, created once, never replaced or deleted by the app. A query reads the days of its range (at most 31), newest
/// first, each with a single-partition query on the filters, and keeps the entries inside the range.
/// </summary>
public sealed class CosmosAuditLog(Container audit) : IAuditLog
{
    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var item = JsonSerializer.SerializeToNode(entry, CdpJson.Options)!.AsObject();
        item["day"] = entry.Day;
        return CosmosItems.CreateOnceAsync(audit, JsonSerializer.SerializeToUtf8Bytes(item, CdpJson.Options), entry.Day, cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filters = new List<(string Field, string Value)>();
        if (query.ProfileId is not null)
        {
            filters.Add(("profileId", query.ProfileId));
        }

        if (query.Actor is not null)
        {
            filters.Add(("actor", query.Actor));
        }

        if (query.Action is { } action)
        {
            filters.Add(("action", JsonNamingPolicy.CamelCase.ConvertName(action.ToString()))); // as CdpJson writes it
        }

        var text = new StringBuilder("SELECT * FROM c WHERE c.day = @day");
        filters.ForEach(f => text.Append(" AND c.").Append(f.Field).Append(" = @").Append(f.Field));
        var found = new List<AuditEntry>();
        for (var day = query.To.UtcDateTime.Date; day >= query.From.UtcDateTime.Date && found.Count < query.Limit; day = day.AddDays(-1))
        {
            var definition = new QueryDefinition(text.ToString()).WithParameter("@day", AuditEntry.DayOf(day));
            filters.ForEach(f => definition = definition.WithParameter("@" + f.Field, f.Value));
            var entries = await CosmosItems.QueryAsync<AuditEntry>(audit, definition, AuditEntry.DayOf(day), cancellationToken);
            found.AddRange(entries.Where(e => e.At >= query.From && e.At < query.To).OrderByDescending(e => e.At).ThenByDescending(e => e.Id, StringComparer.Ordinal));
        }

        return [.. found.Take(query.Limit)];
    }
}
