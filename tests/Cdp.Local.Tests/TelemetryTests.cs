using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

/// <summary>
/// OpenTelemetry on Cdp.Local, exported over OTLP to a collector stand-in: one collected message makes one connected
/// trace, from the client's <c>traceparent</c> through the collector, ingest, the profile change, segment evaluation
/// and the journey step it starts.
/// </summary>
public class TelemetryTests
{
    [Fact]
    public async Task OneCollectedMessage_MakesOneTrace_ThroughIngestTheChangeAndAJourneyStep()
    {
        using var collector = new OtlpCollector();
        await using var app = new LocalApp(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });
        using var client = app.CreateClient();
        using var segment = await client.PutAsync("/api/segments/vip", HttpJson.Body("""{"name":"VIP","rule":"flag(\"vip\")"}"""));
        using var journey = await client.PutAsync("/api/journeys/vip-tag", HttpJson.Body("""
            {"name":"VIP tag","trigger":{"segmentEntered":"vip"},"steps":[{"type":"action","action":"addTag","tag":"vip"}]}
            """));
        Assert.Equal(HttpStatusCode.Created, journey.StatusCode);

        // The client's own span, as a W3C traceparent header: the trace Cdp continues. A traceParent field in the body is
        // not the collector's: it is replaced.
        const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736", ClientSpan = "00f067aa0ba902b7";
        using var identify = new HttpRequestMessage(HttpMethod.Post, "/api/v1/identify") { Content = HttpJson.Body("""{"userId":"t-ada","traits":{"vip":true},"traceParent":"00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01"}""") };
        identify.Headers.Add("traceparent", $"00-{TraceId}-{ClientSpan}-01");
        using var sent = await client.SendAsync(identify);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        // The exporter sends in batches, each span when it ends (a parent after its children): wait until the journey step's
        // span and every span above it up to the collector's have arrived (the limit guards a hang only).
        var (step, spans) = await Eventually.GetAsync(
            () =>
            {
                var traced = collector.Spans.Where(s => s.TraceId == TraceId).GroupBy(s => s.SpanId!).ToDictionary(g => g.Key, g => g.First());
                var found = collector.Spans.FirstOrDefault(s => s.Name == "cdp.journey.step");
                return Task.FromResult(found is not null && Ancestors(traced, found).Any(a => a.Name == "cdp.collect") ? Tuple.Create(found, traced) : null);
            },
            _ => true);
        Assert.Equal(TraceId, step.TraceId);
        var collect = Assert.Single(spans.Values, s => s.Name == "cdp.collect");
        Assert.Equal("test", collect.Attributes["cdp.source"]);
        Assert.Equal("1", collect.Attributes["cdp.accepted"]);
        Assert.Equal(ClientSpan, Root(spans, collect).ParentSpanId); // under the request's span, under the client's
        var ingest = Assert.Single(spans.Values, s => s.Name == "cdp.ingest");
        Assert.Equal(collect.SpanId, ingest.ParentSpanId);
        var change = Assert.Single(spans.Values, s => s.Name == "cdp.profile.change" && s.Attributes["cdp.profile.version"] == "1");
        Assert.Equal(ingest.SpanId, change.ParentSpanId);
        Assert.Contains(spans.Values, s => s.Name == "SegmentEvaluator" && s.ParentSpanId == change.SpanId);
        Assert.Equal("vip-tag", step.Attributes["cdp.journey.id"]);
        Assert.Equal("addTag", step.Attributes["cdp.journey.action"]);
        // Every span from the journey step up is in the trace, and the chain reaches the collector's span.
        Assert.Contains(collect, Ancestors(spans, step));
        Assert.Contains(Ancestors(spans, step), s => s.Scope == "Microsoft.DurableTask"); // the orchestration's own spans in between

        // Metrics and logs go to the same collector: the domain's counters of this message's path, and the consumers' lag.
        string[] expected = ["cdp.collect.accepted", "cdp.ingest.applied", "cdp.segments.evaluations", "cdp.segments.entered", "cdp.journeys.steps", "cdp.consumer.behind", "cdp.consumer.seconds_behind"];
        await Eventually.GetAsync(() => Task.FromResult<object?>(expected.All(collector.MetricNames.Contains) ? collector : null), _ => true);
        Assert.True(collector.Requests("logs") > 0);

        // The overview says where telemetry goes.
        var status = (await client.GetFromJsonAsync<JsonObject>("/api/status"))!;
        Assert.Equal("otlp", status["telemetry"]!["exporter"]!.GetValue<string>());
        Assert.Equal(collector.Endpoint.ToString(), status["telemetry"]!["endpoint"]!.GetValue<string>());
    }

    [Fact]
    public async Task WithoutAnEndpoint_TheStatusSaysTelemetryIsNotExported()
    {
        await using var app = new LocalApp();
        using var client = app.CreateClient();

        var status = (await client.GetFromJsonAsync<JsonObject>("/api/status"))!;

        Assert.Equal("none", status["telemetry"]!["exporter"]!.GetValue<string>());
    }

    /// <summary>The span's ancestors within the trace, nearest first (stops where a parent is not in it).</summary>
    private static List<OtlpSpan> Ancestors(Dictionary<string, OtlpSpan> spans, OtlpSpan span)
    {
        var chain = new List<OtlpSpan>();
        while (span.ParentSpanId is { } parent && spans.TryGetValue(parent, out var above))
        {
            chain.Add(above);
            span = above;
        }

        return chain;
    }

    private static OtlpSpan Root(Dictionary<string, OtlpSpan> spans, OtlpSpan span) => Ancestors(spans, span).LastOrDefault() ?? span;
}
