using Cdp.Core.Ingest;
using Cdp.Embedded.Streaming;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Embedded.Consumers;

/// <summary>
/// Runs ingest over the embedded event log: one loop per partition, in order within it, checkpointing
/// after each handled batch (the local counterpart of the Event Hubs–triggered ingest function).
/// </summary>
public sealed class IngestConsumer(SqliteEventLog log, IngestService ingest, TimeProvider time, ILogger<IngestConsumer> logger, ConsumerHealth? health = null) : BackgroundService
{
    /// <summary>The consumer name its checkpoints are kept under.</summary>
    public const string Name = "ingest";

    /// <summary>The most messages handed to ingest at once.</summary>
    public const int BatchSize = 100;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, log.PartitionCount).Select(partition =>
            ConsumerLoop.RunAsync($"{Name}[{partition}]", ct => StepAsync(partition, ct), log.Appended, time, logger, stoppingToken, health)));

    private async Task<bool> StepAsync(int partition, CancellationToken cancellationToken)
    {
        var batch = await log.ReadAsync(Name, partition, BatchSize, cancellationToken);
        if (batch.Messages.Count == 0)
        {
            return false;
        }

        await ingest.ProcessAsync(batch.Messages, cancellationToken);
        await log.CheckpointAsync(Name, batch, cancellationToken);
        return true;
    }
}
