using System.Diagnostics;
using Cdp.Core.DeadLetters;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Status;

/// <summary>
/// One consumer as <c>GET /api/status</c> shows it: what it reads (<see cref="Reads"/>: the event stream or the profile
/// change feed), how far behind it is (items after its checkpoints and how old the oldest of them is; null where the
/// host cannot tell), its last success and error, and where the host reads partitions (Event Hubs) the same per
/// partition.
/// </summary>
public sealed record ConsumerStatus(
    string Name,
    string Reads,
    long? Behind = null,
    double? SecondsBehind = null,
    DateTimeOffset? LastSuccessAt = null,
    DateTimeOffset? LastErrorAt = null,
    string? LastError = null,
    IReadOnlyList<PartitionLag>? Partitions = null)
{
    public const string Events = "events";
    public const string Changes = "changes";
    public const string Schedule = "schedule";
}

/// <summary>
/// How far behind a consumer is on one partition (an Event Hubs partition, a change-feed lease): the items after its
/// checkpoint there, and the age of the oldest (null where the host cannot tell).
/// </summary>
public sealed record PartitionLag(string Partition, long Behind, double? SecondsBehind = null);

/// <summary>The host's consumers and how far behind each is (Cdp.Local: the embedded log and change log).</summary>
public interface IConsumerStatusSource
{
    Task<IReadOnlyList<ConsumerStatus>> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// What <c>GET /api/status</c> answers: the consumers, the dead letters waiting by stage (counted up to
/// <see cref="StatusService.MaxCounted"/>; <see cref="DeadLettersCapped"/> when there are more), and where the host's
/// traces, metrics and logs go.
/// </summary>
public sealed record SystemStatus(DateTimeOffset At, IReadOnlyList<ConsumerStatus> Consumers, IReadOnlyDictionary<string, long> DeadLetters, bool DeadLettersCapped = false, TelemetryStatus? Telemetry = null);

/// <summary>
/// Where the host exports OpenTelemetry (traces, metrics, logs): the exporter is <c>otlp</c> (to the endpoint, over the
/// protocol <c>grpc</c> or <c>http/protobuf</c>), <c>azureMonitor</c> (Application Insights) or <c>none</c>; the service
/// name is the one the telemetry is recorded under.
/// </summary>
public sealed record TelemetryStatus(string Exporter, string? Endpoint = null, string? Protocol = null, string? ServiceName = null)
{
    public const string Otlp = "otlp";
    public const string AzureMonitor = "azureMonitor";
    public const string None = "none";
}

/// <summary>
/// The operational view of a host: every consumer's lag and last error, and the dead letters waiting to be replayed
/// or deleted, by stage. Cheap enough to poll (a few queries); <c>/api/health</c> stays the liveness answer.
/// </summary>
public sealed class StatusService(IEnumerable<IConsumerStatusSource> sources, IDeadLetterStore deadLetters, TimeProvider time, TelemetryStatus? telemetry = null)
{
    /// <summary>The most dead letters counted per call.</summary>
    public const int MaxCounted = 10_000;

    public async Task<SystemStatus> ReadAsync(CancellationToken cancellationToken)
    {
        var consumers = new List<ConsumerStatus>();
        foreach (var source in sources)
        {
            consumers.AddRange(await source.ReadAsync(cancellationToken));
        }

        foreach (var consumer in consumers.Where(c => c.Behind is not null))
        {
            var tag = KeyValuePair.Create<string, object?>("consumer", consumer.Name);
            if (consumer.Partitions is { Count: > 0 } partitions)
            {
                foreach (var partition in partitions)
                {
                    var tags = new TagList { tag, { "partition", partition.Partition } };
                    CdpMetrics.ConsumerBehind.Record(partition.Behind, tags);
                    if (partition.SecondsBehind is { } seconds)
                    {
                        CdpMetrics.ConsumerSecondsBehind.Record(seconds, tags);
                    }
                }
            }
            else
            {
                CdpMetrics.ConsumerBehind.Record(consumer.Behind!.Value, tag);
                CdpMetrics.ConsumerSecondsBehind.Record(consumer.SecondsBehind ?? 0, tag);
            }
        }

        var letters = await deadLetters.CountAsync(MaxCounted, cancellationToken);
        foreach (var (stage, count) in letters.ByStage)
        {
            CdpMetrics.DeadLettersWaiting.Record(count, KeyValuePair.Create<string, object?>("stage", stage));
        }

        return new SystemStatus(time.GetUtcNow(), [.. consumers.OrderBy(c => c.Name, StringComparer.Ordinal)], letters.ByStage, letters.Capped, telemetry);
    }

    /// <summary>
    /// Logs the status (each consumer's lag: event 260; the dead letters waiting by stage: 261), for the alert rules that
    /// read the logs (the Function App's timer, every 5 minutes; infra/modules/alerts.bicep).
    /// </summary>
    public async Task<SystemStatus> ReportAsync(ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var status = await ReadAsync(cancellationToken);
        foreach (var consumer in status.Consumers.Where(c => c.Behind is not null))
        {
            Logs.ConsumerBehind(logger, consumer.Name, consumer.Reads, consumer.Behind!.Value, consumer.SecondsBehind ?? 0);
        }

        foreach (var (stage, count) in status.DeadLetters)
        {
            Logs.DeadLettersWaiting(logger, stage, count);
        }

        return status;
    }
}
