using System.Diagnostics.Metrics;
using Cdp.Core;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// Every Cosmos DB request the process makes, as the client pipeline sees it: its kind (point read, create,
/// replace, query, ...), its container and its request charge. Recorded in the metric
/// <c>cdp.cosmos.request_units</c> and, within a <see cref="Begin"/> scope (a batch), in that scope.
/// </summary>
public sealed partial class CosmosUsage : IDisposable
{
    private static readonly AsyncLocal<CosmosUsage?> Scope = new();
    private static readonly Meter Meter = new(CdpMetrics.MeterName);
    private static readonly Counter<double> RequestUnits = Meter.CreateCounter<double>("cdp.cosmos.request_units", "RU");

    /// <summary>Request units per ingested event, one measurement per batch.</summary>
    public static readonly Histogram<double> RequestUnitsPerEvent = Meter.CreateHistogram<double>("cdp.cosmos.request_units_per_event", "RU");

    private readonly CosmosUsage? _outer;
    private readonly List<CosmosOperation> _operations = [];
    private readonly Lock _lock = new();

    private CosmosUsage(CosmosUsage? outer) => _outer = outer;

    /// <summary>The requests made in this scope so far.</summary>
    public IReadOnlyList<CosmosOperation> Operations
    {
        get
        {
            lock (_lock)
            {
                return [.. _operations];
            }
        }
    }

    /// <summary>
    /// Runs a batch of <paramref name="events"/> events in a scope, then records its request units per event
    /// (<see cref="RequestUnitsPerEvent"/>) and logs the batch's summary (event 210).
    /// </summary>
    public static async Task<T> MeasureBatchAsync<T>(int events, ILogger logger, Func<Task<T>> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var usage = Begin();
        var result = await batch();
        var operations = usage.Operations;
        var total = 0.0;
        var points = 0;
        foreach (var operation in operations)
        {
            total += operation.RequestCharge;
            points += operation.IsPoint ? 1 : 0;
        }

        var perEvent = events == 0 ? 0 : total / events;
        RequestUnitsPerEvent.Record(perEvent);
        BatchCharged(logger, events, total, perEvent, points, operations.Count - points);
        return result;
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Cosmos DB for a batch of {Events} events: {RequestUnits:F1} RU ({PerEvent:F2} RU per event), {PointOperations} point operations, {OtherOperations} others.")]
    private static partial void BatchCharged(ILogger logger, int events, double requestUnits, double perEvent, int pointOperations, int otherOperations);

    /// <summary>Starts recording the requests of this async flow (and of the tasks it starts) until disposed.</summary>
    public static CosmosUsage Begin() => Scope.Value = new CosmosUsage(Scope.Value);

    public void Dispose() => Scope.Value = _outer;

    internal static void Record(CosmosOperation operation)
    {
        RequestUnits.Add(operation.RequestCharge, KeyValuePair.Create<string, object?>("operation", operation.Kind), KeyValuePair.Create<string, object?>("container", operation.Container));
        for (var scope = Scope.Value; scope is not null; scope = scope._outer)
        {
            lock (scope._lock)
            {
                scope._operations.Add(operation);
            }
        }
    }

    /// <summary>The client pipeline's last handler: classifies and records each request with its charge.</summary>
    internal sealed class Handler : RequestHandler
    {
        public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(request);
            var response = await base.SendAsync(request, cancellationToken);
            // The item's size: what a write sends, else what a read receives (not both: an emulator may echo a written item,
            // which Azure does not with content responses on writes off, and the documented cost is by the item's size).
            var sent = Length(request.Content);
            Record(new CosmosOperation(Kind(request), Container(request.RequestUri), (int)response.StatusCode, response.Headers.RequestCharge, sent > 0 ? sent : Length(response.Content)));
            return response;
        }

        /// <summary>
        /// The kind of request from its method and link: items are addressed as <c>dbs/d/colls/c/docs/id</c>;
        /// creates, upserts and queries post to the container link <c>dbs/d/colls/c</c> (queries and upserts
        /// say so in a header).
        /// </summary>
        private static string Kind(RequestMessage request)
        {
            var path = request.RequestUri?.OriginalString ?? string.Empty;
            var isItem = path.Contains("/docs/", StringComparison.Ordinal);
            var isQuery = request.Headers["x-ms-documentdb-isquery"] is "True" or "true"
                || request.Headers.ContentType?.StartsWith("application/query+json", StringComparison.Ordinal) == true;
            return request.Method.Method switch
            {
                _ when isQuery => CosmosOperation.Query,
                "GET" => isItem ? CosmosOperation.Read : CosmosOperation.ReadFeed,
                "POST" when request.Headers["x-ms-documentdb-is-upsert"] is "True" or "true" => CosmosOperation.Upsert,
                "POST" when !isItem => CosmosOperation.Create,
                "PUT" when isItem => CosmosOperation.Replace,
                "PATCH" => CosmosOperation.Patch,
                "DELETE" when isItem => CosmosOperation.Delete,
                _ => CosmosOperation.Other,
            };
        }

        private static long Length(Stream? content) => content is { CanSeek: true } ? content.Length : 0;

        private static string Container(Uri? uri)
        {
            var segments = (uri?.OriginalString ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
            var colls = Array.IndexOf(segments, "colls");
            return colls >= 0 && colls + 1 < segments.Length ? segments[colls + 1] : string.Empty;
        }
    }
}

/// <summary>One Cosmos DB request: its kind, container, status, request charge (RU) and the bytes of the item it carried (written or read).</summary>
public sealed record CosmosOperation(string Kind, string Container, int Status, double RequestCharge, long ItemBytes = 0)
{
    public const string Read = "read";
    public const string ReadFeed = "read-feed";
    public const string Create = "create";
    public const string Replace = "replace";
    public const string Upsert = "upsert";
    public const string Patch = "patch";
    public const string Delete = "delete";
    public const string Query = "query";
    public const string Other = "other";

    /// <summary>
    /// What the operation costs by Azure's documented rates for an item of <see cref="ItemBytes"/>: a point
    /// read 1 RU per KB (at least 1; a miss 1), a create or upsert about 5.5 RU per KB, a replace about 10 RU
    /// per KB (indexing of many terms adds to both); null for other kinds.
    /// </summary>
    public double? DocumentedCharge
    {
        get
        {
            var kilobytes = Math.Max(1, Math.Ceiling(ItemBytes / 1024.0));
            return Kind switch
            {
                Read => Status == 404 ? 1 : kilobytes,
                Create or Upsert => 5.5 * kilobytes,
                Replace or Patch => 10 * kilobytes,
                Delete => 5.5,
                _ => null,
            };
        }
    }

    /// <summary>True for a point operation (one item by id and partition key).</summary>
    public bool IsPoint => Kind is Read or Create or Replace or Upsert or Patch or Delete;
}
