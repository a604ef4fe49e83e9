using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Cdp.Testing;

/// <summary>
/// For the Cosmos DB stand-in (<c>@vercel/cosmosdb-server</c>) only, an HTTP handler on the test client that
/// fills exactly three gaps. It answers a read of a missing item with 500 instead of the 404 Cosmos DB returns:
/// that reply is rewritten. It has no query plan for a cross-partition query: a plain one is served
/// (<see cref="QueryPlan"/>). With <see cref="ChangeFeed"/>, it serves the change feed the stand-in lacks (it
/// returns one snapshot, then nothing): see <see cref="ServeChangeFeedAsync"/>.
/// </summary>
public sealed class CosmosStandInFixes : DelegatingHandler
{
    // Feed state per container (endpoint and path), shared by every client of the process, as a server's would be.
    private static readonly ConcurrentDictionary<string, FeedLog> Feeds = new(StringComparer.Ordinal);

    /// <summary>Serve the change feed (latest-version mode) from the stand-in's items; off against the official emulator.</summary>
    public bool ChangeFeed { get; init; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.RequestUri?.AbsolutePath ?? string.Empty;
        if (ChangeFeed && request.Method == HttpMethod.Get && request.Headers.Contains("A-IM") && path.EndsWith("/docs", StringComparison.Ordinal))
        {
            return await ServeChangeFeedAsync(request, cancellationToken);
        }

        if (request.Headers.Contains("x-ms-cosmos-is-query-plan-request"))
        {
            return QueryPlan(request);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method == HttpMethod.Get
            && response.StatusCode == HttpStatusCode.InternalServerError
            && path.Contains("/docs/", StringComparison.Ordinal))
        {
            response.Dispose();
            return new HttpResponseMessage(HttpStatusCode.NotFound)
            {
                RequestMessage = request,
                Content = new StringContent("""{"code":"NotFound","message":"Entity with the specified id does not exist in the system."}""", Encoding.UTF8, "application/json"),
            };
        }

        return response;
    }

    /// <summary>
    /// The query plan the SDK asks the gateway for before a cross-partition query (the stand-in has none): a plain
    /// query over the one partition key range, run as it is (no ORDER BY, aggregates or DISTINCT, which the stand-in
    /// lacks anyway).
    /// </summary>
    private static HttpResponseMessage QueryPlan(HttpRequestMessage request)
    {
        const string Plan = """
            {"partitionedQueryExecutionInfoVersion":2,"queryInfo":{"distinctType":"None","top":null,"offset":null,"limit":null,"orderBy":[],"orderByExpressions":[],"groupByExpressions":[],"groupByAliases":[],"aggregates":[],"groupByAliasToAggregateType":{},"rewrittenQuery":"","hasSelectValue":false,"dCountInfo":null,"hasNonStreamingOrderBy":false},"queryRanges":[{"min":"","max":"FF","isMinInclusive":true,"isMaxInclusive":false}]}
            """;
        var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent(Plan, Encoding.UTF8, "application/json") };
        response.Headers.TryAddWithoutValidation("x-ms-request-charge", "0");
        response.Headers.TryAddWithoutValidation("x-ms-activity-id", Guid.NewGuid().ToString());
        return response;
    }

    /// <summary>
    /// The change feed in latest-version mode, as Cosmos DB serves it over one partition key range: every item
    /// read from the stand-in gets a sequence number (an LSN) each time its <c>_etag</c> is seen changed; a page
    /// holds the items with a number above the continuation (<c>If-None-Match</c>; none = from the beginning,
    /// <c>*</c> = from now), oldest first, at most <c>x-ms-max-item-count</c>; the reply's ETag is the continuation,
    /// 304 when nothing is new. Changes between two reads collapse into the latest, as in Cosmos DB; deletions are
    /// not emitted, as in Cosmos DB.
    /// </summary>
    private async Task<HttpResponseMessage> ServeChangeFeedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var items = await ReadAllItemsAsync(request, cancellationToken);
        var log = Feeds.GetOrAdd(request.RequestUri!.GetLeftPart(UriPartial.Path), _ => new FeedLog());
        var max = request.Headers.TryGetValues("x-ms-max-item-count", out var counts) && int.TryParse(counts.First(), CultureInfo.InvariantCulture, out var count) && count > 0 ? count : int.MaxValue;
        var since = request.Headers.TryGetValues("If-None-Match", out var tags) ? tags.First().Trim('"') : null;
        List<JsonNode> page;
        long continuation;
        lock (log)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var rid = (string)item["_rid"]!;
                var etag = (string)item["_etag"]!;
                present.Add(rid);
                if (!log.Items.TryGetValue(rid, out var held) || held.ETag != etag)
                {
                    log.Items[rid] = (etag, ++log.Lsn, item);
                }
            }

            foreach (var gone in log.Items.Keys.Where(rid => !present.Contains(rid)).ToList())
            {
                log.Items.Remove(gone);
            }

            var after = since is null ? 0 : since == "*" ? log.Lsn : long.Parse(since, CultureInfo.InvariantCulture);
            var selected = log.Items.Values.Where(i => i.Lsn > after).OrderBy(i => i.Lsn).Take(max).ToList();
            page = [.. selected.Select(i => i.Item.DeepClone())];
            continuation = selected.Count > 0 ? selected[^1].Lsn : after;
        }

        var body = new JsonObject { ["_rid"] = "standin", ["Documents"] = new JsonArray([.. page]), ["_count"] = page.Count };
        var response = new HttpResponseMessage(page.Count == 0 ? HttpStatusCode.NotModified : HttpStatusCode.OK)
        {
            RequestMessage = request,
            Content = new StringContent(page.Count == 0 ? string.Empty : body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        response.Headers.TryAddWithoutValidation("etag", $"\"{continuation.ToString(CultureInfo.InvariantCulture)}\"");
        response.Headers.TryAddWithoutValidation("x-ms-request-charge", "1");
        response.Headers.TryAddWithoutValidation("x-ms-item-count", page.Count.ToString(CultureInfo.InvariantCulture));
        response.Headers.TryAddWithoutValidation("x-ms-activity-id", Guid.NewGuid().ToString());
        return response;
    }

    /// <summary>Every item of the container, read page by page with the request's own headers (the stand-in accepts them).</summary>
    private async Task<List<JsonNode>> ReadAllItemsAsync(HttpRequestMessage feedRequest, CancellationToken cancellationToken)
    {
        var items = new List<JsonNode>();
        string? next = null;
        do
        {
            using var read = new HttpRequestMessage(HttpMethod.Get, feedRequest.RequestUri);
            foreach (var (name, values) in feedRequest.Headers)
            {
                if (name is not ("A-IM" or "If-None-Match" or "x-ms-max-item-count" or "x-ms-continuation"))
                {
                    read.Headers.TryAddWithoutValidation(name, values);
                }
            }

            if (next is not null)
            {
                read.Headers.TryAddWithoutValidation("x-ms-continuation", next);
            }

            using var response = await base.SendAsync(read, cancellationToken);
            response.EnsureSuccessStatusCode();
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            items.AddRange(page["Documents"]!.AsArray().Select(d => d!.DeepClone()));
            next = response.Headers.TryGetValues("x-ms-continuation", out var continuations) ? continuations.FirstOrDefault() : null;
        }
        while (!string.IsNullOrEmpty(next));

        return items;
    }

    private sealed class FeedLog
    {
        public long Lsn { get; set; }

        public Dictionary<string, (string ETag, long Lsn, JsonNode Item)> Items { get; } = new(StringComparer.Ordinal);
    }
}
