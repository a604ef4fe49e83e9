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

    /// <summary>Messages a source's transformation filtered out (<c>keepIf</c>/<c>dropIf</c>), tagged by source.</summary>
    public static readonly Counter<long> Filtered = Meter.CreateCounter<long>("cdp.collect.filtered");

    /// <summary>Messages of a source that requires a consent purpose, withheld because they did not grant it.</summary>
    public static readonly Counter<long> Withheld = Meter.CreateCounter<long>("cdp.collect.withheld");

    /// <summary>Tracardi-style <c>profile.id</c> values that are not a token this source issued (a profile id, another source's token, a forgery): ignored, tagged by source.</summary>
    public static readonly Counter<long> VisitorTokensRefused = Meter.CreateCounter<long>("cdp.collect.visitor_tokens_refused");

    /// <summary>Profile changes handed on as catch-ups (versions before them were skipped by the feed or not known to this consumer), by reason.</summary>
    public static readonly Counter<long> ChangesCaughtUp = Meter.CreateCounter<long>("cdp.changes.caught_up");

    /// <summary>Profile changes parked as dead letters (a subscriber failed on them deterministically), tagged by subscriber.</summary>
    public static readonly Counter<long> ChangesDeadLettered = Meter.CreateCounter<long>("cdp.changes.dead_lettered");

    /// <summary>Segment rule evaluations that failed (the rule threw on a profile's values), tagged by segment.</summary>
    public static readonly Counter<long> SegmentEvaluationFailures = Meter.CreateCounter<long>("cdp.segments.evaluation_failures");

    /// <summary>Trait values not stored because the profile has not granted the purpose they need.</summary>
    public static readonly Counter<long> TraitsWithheld = Meter.CreateCounter<long>("cdp.ingest.traits_withheld");

    /// <summary>Trait values not stored because storing them would pass a bound (tagged <c>reason</c>: <c>overflow</c>, <c>traits</c>, <c>size</c>).</summary>
    public static readonly Counter<long> TraitsDropped = Meter.CreateCounter<long>("cdp.ingest.traits_dropped");

    /// <summary>Batches whose processing failed with a failure that is not transient, so their messages were processed one by one.</summary>
    public static readonly Counter<long> BatchesIsolated = Meter.CreateCounter<long>("cdp.ingest.batches_isolated");

    /// <summary>Messages carrying an erased identifier: dropped, or applied anonymized (tagged <c>mode</c>).</summary>
    public static readonly Counter<long> Suppressed = Meter.CreateCounter<long>("cdp.ingest.suppressed");

    /// <summary>Messages ingest applied to profiles (first deliveries; repeats are <see cref="DuplicatesSkipped"/>).</summary>
    public static readonly Counter<long> Applied = Meter.CreateCounter<long>("cdp.ingest.applied");

    /// <summary>Segment rules evaluated on a profile change or a due time (one per segment and profile).</summary>
    public static readonly Counter<long> SegmentEvaluations = Meter.CreateCounter<long>("cdp.segments.evaluations");

    /// <summary>Profiles that entered a segment, tagged by segment.</summary>
    public static readonly Counter<long> SegmentsEntered = Meter.CreateCounter<long>("cdp.segments.entered");

    /// <summary>Profiles that left a segment, tagged by segment.</summary>
    public static readonly Counter<long> SegmentsExited = Meter.CreateCounter<long>("cdp.segments.exited");

    /// <summary>Journey action steps run, tagged by <c>action</c> and <c>outcome</c> (<c>ran</c>, <c>consent_absent</c>, <c>profile_gone</c>, <c>failed</c>: tried again by the step's retries).</summary>
    public static readonly Counter<long> JourneySteps = Meter.CreateCounter<long>("cdp.journeys.steps");

    /// <summary>Items after a consumer's checkpoints when the status was last read (<c>GET /api/status</c>, the status timer), tagged by <c>consumer</c>.</summary>
    public static readonly Gauge<long> ConsumerBehind = Meter.CreateGauge<long>("cdp.consumer.behind");

    /// <summary>Age in seconds of the oldest item after a consumer's checkpoints, when the status was last read, tagged by <c>consumer</c>.</summary>
    public static readonly Gauge<double> ConsumerSecondsBehind = Meter.CreateGauge<double>("cdp.consumer.seconds_behind", unit: "s");

    /// <summary>Dead letters waiting, by <c>stage</c>, when the status was last read.</summary>
    public static readonly Gauge<long> DeadLettersWaiting = Meter.CreateGauge<long>("cdp.deadletters.waiting");

    /// <summary>Messages ingest skipped because they had already been applied, tagged by source.</summary>
    public static readonly Counter<long> DuplicatesSkipped = Meter.CreateCounter<long>("cdp.ingest.duplicates_skipped");

    /// <summary>Messages ingest could not process (each kept as a dead letter).</summary>
    public static readonly Counter<long> IngestDeadLettered = Meter.CreateCounter<long>("cdp.ingest.dead_lettered");

    /// <summary>Profiles merged into another.</summary>
    public static readonly Counter<long> ProfilesMerged = Meter.CreateCounter<long>("cdp.identity.merges");

    /// <summary>Messages whose merge was past a cap (profiles per merge, identifiers per profile); applied without merging.</summary>
    public static readonly Counter<long> MergesCapped = Meter.CreateCounter<long>("cdp.identity.merges_capped");

    /// <summary>Identifiers not linked because linking them would break a limit, tagged by type.</summary>
    public static readonly Counter<long> IdentifiersDropped = Meter.CreateCounter<long>("cdp.identity.identifiers_dropped");

    /// <summary>Device identifiers moved to the person seen with them latest.</summary>
    public static readonly Counter<long> IdentifiersMoved = Meter.CreateCounter<long>("cdp.identity.identifiers_moved");

    /// <summary>Items a destination took, tagged by destination.</summary>
    public static readonly Counter<long> DestinationDelivered = Meter.CreateCounter<long>("cdp.destination.delivered");

    /// <summary>Items a destination could not be sent (kept as its dead letters), tagged by destination.</summary>
    public static readonly Counter<long> DestinationDeadLettered = Meter.CreateCounter<long>("cdp.destination.dead_lettered");

    /// <summary>Items withheld from a destination because the person does not grant its purpose, tagged by destination.</summary>
    public static readonly Counter<long> DestinationWithheld = Meter.CreateCounter<long>("cdp.destination.withheld");
}
