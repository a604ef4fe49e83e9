using System.Collections.Concurrent;
using Cdp.Testing;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cdp.Local.Tests;

/// <summary>
/// A stand-in for an OpenTelemetry collector: OTLP over HTTP (<c>http/protobuf</c>) on a loopback port. It decodes
/// the spans of <c>/v1/traces</c> (trace id, span id, parent, name, scope, string and integer attributes) from the
/// protobuf wire format of opentelemetry-proto's <c>ExportTraceServiceRequest</c>, the metric names of
/// <c>/v1/metrics</c>, and counts the requests of each signal.
/// </summary>
public sealed class OtlpCollector : IDisposable
{
    private readonly WebApplication _server;
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _metrics = new(StringComparer.Ordinal);

    public OtlpCollector()
    {
        _server = LoopbackServer.Start(app => app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            if (signal == "traces")
            {
                foreach (var span in ReadTraces(body.ToArray()))
                {
                    _spans.Enqueue(span);
                }
            }
            else if (signal == "metrics")
            {
                // ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1 { repeated ScopeMetrics
                // scope_metrics = 2 { repeated Metric metrics = 2 { string name = 1 } } } }
                foreach (var name in Messages(body.ToArray(), 1).SelectMany(r => Messages(r, 2)).SelectMany(m => Messages(m, 2)).SelectMany(m => Strings(m, 1)))
                {
                    _metrics[name] = true;
                }
            }

            _requests.AddOrUpdate(signal, 1, (_, n) => n + 1);
            // An empty Export*ServiceResponse: everything accepted.
            return Results.Bytes([], "application/x-protobuf");
        }), out var url);
        Endpoint = url;
    }

    /// <summary>The collector's address, for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Endpoint { get; }

    public IReadOnlyList<OtlpSpan> Spans => [.. _spans];

    /// <summary>The names of the metrics received.</summary>
    public IReadOnlySet<string> MetricNames => _metrics.Keys.ToHashSet(StringComparer.Ordinal);

    /// <summary>How many export requests a signal (<c>traces</c>, <c>metrics</c>, <c>logs</c>) received.</summary>
    public int Requests(string signal) => _requests.GetValueOrDefault(signal);

    public void Dispose() => _server.DisposeAsync().AsTask().GetAwaiter().GetResult();

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
    // ScopeSpans { InstrumentationScope scope = 1 (name = 1); repeated Span spans = 2; }
    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; SpanKind kind = 6;
    //        repeated KeyValue attributes = 9 (key = 1, AnyValue value = 2 { string_value = 1, int_value = 3 }) }
    private static IEnumerable<OtlpSpan> ReadTraces(byte[] request)
    {
        foreach (var resourceSpans in Messages(request, 1))
        {
            foreach (var scopeSpans in Messages(resourceSpans, 2))
            {
                var scope = Messages(scopeSpans, 1).Select(s => Strings(s, 1).FirstOrDefault()).FirstOrDefault() ?? string.Empty;
                foreach (var span in Messages(scopeSpans, 2))
                {
                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var attribute in Messages(span, 9))
                    {
                        var key = Strings(attribute, 1).FirstOrDefault() ?? string.Empty;
                        foreach (var value in Messages(attribute, 2))
                        {
                            attributes[key] = Strings(value, 1).FirstOrDefault() ?? string.Join(",", Fields(value).Where(f => f.Number == 3).Select(f => (long)f.Varint));
                        }
                    }

                    yield return new OtlpSpan(
                        Hex(Messages(span, 1).FirstOrDefault()),
                        Hex(Messages(span, 2).FirstOrDefault()),
                        Hex(Messages(span, 4).FirstOrDefault()),
                        Strings(span, 5).FirstOrDefault() ?? string.Empty,
                        scope,
                        attributes);
                }
            }
        }
    }

    private static string? Hex(byte[]? bytes) => bytes is { Length: > 0 } ? Convert.ToHexStringLower(bytes) : null;

    private static IEnumerable<byte[]> Messages(byte[] message, int number) =>
        Fields(message).Where(f => f.Number == number && f.Bytes is not null).Select(f => f.Bytes!);

    private static IEnumerable<string> Strings(byte[] message, int number) =>
        Messages(message, number).Select(b => System.Text.Encoding.UTF8.GetString(b));

    private static List<Field> Fields(byte[] message)
    {
        var fields = new List<Field>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.LengthDelimited:
                    fields.Add(new Field(number, input.ReadBytes().ToByteArray(), 0));
                    break;
                case WireFormat.WireType.Varint:
                    fields.Add(new Field(number, null, input.ReadUInt64()));
                    break;
                case WireFormat.WireType.Fixed64:
                    fields.Add(new Field(number, null, input.ReadFixed64()));
                    break;
                case WireFormat.WireType.Fixed32:
                    fields.Add(new Field(number, null, input.ReadFixed32()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return fields;
    }

    private sealed record Field(int Number, byte[]? Bytes, ulong Varint);
}

/// <summary>One span as the collector received it (ids in lowercase hex; no parent for a root).</summary>
public sealed record OtlpSpan(string? TraceId, string? SpanId, string? ParentSpanId, string Name, string Scope, IReadOnlyDictionary<string, string> Attributes);
