using System.Diagnostics;
using Span = System.Diagnostics.Activity;

namespace Cdp.Core;

/// <summary>
/// The domain's spans (activity source <c>Cdp</c>), exported by whatever telemetry the host wires up. One collected
/// message makes one trace: the collector's span (<c>cdp.collect</c>, under the request's), then, on the other side of
/// the event stream, the message's ingest (<c>cdp.ingest</c>, its parent read from the message's
/// <see cref="Events.Message.TraceParent"/>), the profile change it wrote (<c>cdp.profile.change</c>, its parent read
/// from the profile document's <see cref="Profiles.ProfileDocument.TraceParent"/>), each subscriber's handling of it
/// (<c>cdp.segments</c>, <c>cdp.journeys</c>, <c>cdp.destinations</c>), and the journey steps it starts
/// (<c>cdp.journey.step</c>, under Durable Task's own spans).
/// </summary>
/// <remarks>
/// Trace context crosses the stores as W3C <c>traceparent</c> strings (the id of the span that wrote), so the same
/// trace connects on both hosts, whatever the transport. A value that is not a well-formed <c>traceparent</c> is
/// ignored (the span starts a trace of its own): the message's field is the collector's, never the client's.
/// </remarks>
public static class CdpTracing
{
    public const string SourceName = "Cdp";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The span that accepts a request's messages onto the event stream (a child of the request's span).</summary>
    public static Span? StartCollect(string sourceId) =>
        Source.StartActivity("cdp.collect", ActivityKind.Producer)?.SetTag("cdp.source", sourceId);

    /// <summary>The span that applies one message (its parent: the collector's span the message carries).</summary>
    public static Span? StartIngest(Events.Message message) =>
        Start("cdp.ingest", ActivityKind.Consumer, message.TraceParent)
            ?.SetTag("messaging.message.id", message.MessageId)
            .SetTag("cdp.source", message.SourceId);

    /// <summary>The span that hands one profile change to the subscribers (its parent: the span that wrote that version).</summary>
    public static Span? StartChange(Changes.ProfileChange change) =>
        Start("cdp.profile.change", ActivityKind.Consumer, change.Profile.TraceParent)
            ?.SetTag("cdp.profile.id", change.ProfileId)
            .SetTag("cdp.profile.version", change.Profile.Version);

    /// <summary>A span under the current one.</summary>
    public static Span? StartInternal(string name) => Source.StartActivity(name, ActivityKind.Internal);

    /// <summary>The current span's <c>traceparent</c>, for a record that the next stage reads (null when nothing is traced).</summary>
    /// <remarks>Only a recorded span is named: one that is not (sampled out, or telemetry off) would only cost bytes.</remarks>
    public static string? CurrentParent => Span.Current is { IdFormat: ActivityIdFormat.W3C, Recorded: true } current ? current.Id : null;

    /// <summary>Marks a span failed with the exception's type and message; always true (for use first in an exception filter).</summary>
    public static bool FailedWith(this Span? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message).SetTag("exception.type", exception.GetType().FullName);
        return true;
    }

    /// <remarks>Nobody listening (telemetry off): nothing is parsed or started, on ingest's and the change feed's hot paths.</remarks>
    private static Span? Start(string name, ActivityKind kind, string? traceParent) =>
        !Source.HasListeners() ? null
        : traceParent is not null && ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind, default(ActivityContext));
}
