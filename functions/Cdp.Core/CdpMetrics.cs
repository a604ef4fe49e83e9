using System.Diagnostics.Metrics;

namespace Cdp.Core;

/// <summary>The domain's counters (meter <c>Cdp</c>), exported by whatever telemetry the host wires up.</summary>
public static class CdpMetrics
{
    public const string MeterName = "Cdp";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Messages accepted by the collection API, tagged by source.</summary>
    public static readonly Counter<long> MessagesAccepted = Meter.CreateCounter<long>("cdp.collect.accepted");

    /// <summary>Messages refused by the collection API (each kept as a dead letter), tagged by source.</summary>
    public static readonly Counter<long> MessagesRejected = Meter.CreateCounter<long>("cdp.collect.rejected");

    /// <summary>Messages from known crawlers, dropped by the collection API, tagged by source.</summary>
    public static readonly Counter<long> BotsDropped = Meter.CreateCounter<long>("cdp.collect.bots_dropped");

    /// <summary>Messages ingest skipped because they had already been applied, tagged by source.</summary>
    public static readonly Counter<long> DuplicatesSkipped = Meter.CreateCounter<long>("cdp.ingest.duplicates_skipped");

    /// <summary>Messages ingest could not process (each kept as a dead letter).</summary>
    public static readonly Counter<long> IngestDeadLettered = Meter.CreateCounter<long>("cdp.ingest.dead_lettered");
}
