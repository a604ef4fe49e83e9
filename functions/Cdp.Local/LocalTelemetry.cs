using System.Diagnostics;
using Cdp.Core;
using Cdp.Core.Status;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cdp.Local;

/// <summary>
/// OpenTelemetry for Cdp.Local: traces (the domain's <see cref="CdpTracing"/> spans, Durable Task's, HTTP in and out),
/// metrics (<see cref="CdpMetrics"/>, ASP.NET Core, HttpClient) and logs, exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (with the standard <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>: <c>grpc</c>, the
/// default, or <c>http/protobuf</c>; <c>OTEL_SERVICE_NAME</c> names the service, <c>cdp-local</c> by default). Without
/// an endpoint nothing is sampled or exported. <c>OTEL_BSP_SCHEDULE_DELAY</c> (spans and logs, 5,000 ms) and
/// <c>OTEL_METRIC_EXPORT_INTERVAL</c> (60,000 ms) say how often batches are sent.
/// </summary>
/// <remarks>
/// The settings are read from configuration when the host starts (environment, <c>appsettings.json</c>, the
/// <c>CDP_CONFIG_FILE</c>, a test's), not when services are registered, so every configuration source counts.
/// </remarks>
public static partial class LocalTelemetry
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";
    public const string BatchDelayVariable = "OTEL_BSP_SCHEDULE_DELAY";
    public const string MetricIntervalVariable = "OTEL_METRIC_EXPORT_INTERVAL";
    public const string DefaultServiceName = "cdp-local";

    /// <summary>Durable Task's spans (orchestrations and activities, with the trace context they were started in).</summary>
    public const string DurableTaskSource = "Microsoft.DurableTask";

    public static IServiceCollection AddCdpTelemetry(this IServiceCollection services)
    {
        services.AddSingleton(sp => TelemetryExport.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp =>
        {
            var export = sp.GetRequiredService<TelemetryExport>();
            return export.Enabled
                ? new TelemetryStatus(TelemetryStatus.Otlp, export.Endpoint!.ToString(), export.Protocol == OtlpExportProtocol.HttpProtobuf ? "http/protobuf" : "grpc", ServiceName.Of(sp.GetRequiredService<IConfiguration>()))
                : new TelemetryStatus(TelemetryStatus.None);
        });
        services.AddHostedService<StatusGauges>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddDetector(sp => new ServiceName(sp.GetRequiredService<IConfiguration>())))
            .WithTracing(tracing => tracing
                .AddSource(CdpTracing.SourceName, DurableTaskSource)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .SetSampler(sp => sp.GetRequiredService<TelemetryExport>().Enabled ? new ParentBasedSampler(new AlwaysOnSampler()) : new AlwaysOffSampler())
                .AddProcessor(sp => sp.GetRequiredService<TelemetryExport>() is { Enabled: true } export
                    ? new BatchActivityExportProcessor(new OtlpTraceExporter(export.Options("traces")), scheduledDelayMilliseconds: export.BatchDelayMilliseconds)
                    : new NoProcessor<Activity>()))
            .WithMetrics(metrics => metrics
                .AddMeter(CdpMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddReader(sp => sp.GetRequiredService<TelemetryExport>() is { Enabled: true } export
                    ? new PeriodicExportingMetricReader(new OtlpMetricExporter(export.Options("metrics")), export.MetricIntervalMilliseconds)
                    : new PeriodicExportingMetricReader(new NoExporter<Metric>(), int.MaxValue)))
            .WithLogging(logging => logging
                .AddProcessor(sp => sp.GetRequiredService<TelemetryExport>() is { Enabled: true } export
                    ? new BatchLogRecordExportProcessor(new OtlpLogExporter(export.Options("logs")), scheduledDelayMilliseconds: export.BatchDelayMilliseconds)
                    : new NoProcessor<LogRecord>()));
        return services;
    }

    private sealed class ServiceName(IConfiguration configuration) : IResourceDetector
    {
        public static string Of(IConfiguration configuration) => configuration[ServiceNameVariable] is { Length: > 0 } name ? name : DefaultServiceName;

        public Resource Detect() => ResourceBuilder.CreateEmpty().AddService(Of(configuration)).Build();
    }

    /// <summary>
    /// Reads the status every <see cref="Interval"/> while telemetry is exported, so that each consumer's lag and the dead
    /// letters waiting reach the metrics (<c>cdp.consumer.behind</c>, <c>cdp.consumer.seconds_behind</c>,
    /// <c>cdp.deadletters.waiting</c>); the Function App's status timer does the same there.
    /// </summary>
    private sealed class StatusGauges(TelemetryExport export, StatusService status, TimeProvider time, ILogger<StatusGauges> logger) : BackgroundService
    {
        public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            if (!export.Enabled)
            {
                return;
            }

            using var timer = new PeriodicTimer(Interval, time);
            do
            {
                try
                {
                    await status.ReadAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    StatusUnreadable(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
    }

    [LoggerMessage(EventId = 262, Level = LogLevel.Warning, Message = "The status could not be read for the lag metrics; trying again at the next interval.")]
    private static partial void StatusUnreadable(ILogger logger, Exception exception);

    private sealed class NoProcessor<T> : BaseProcessor<T>;

    private sealed class NoExporter<T> : BaseExporter<T>
        where T : class
    {
        public override ExportResult Export(in Batch<T> batch) => ExportResult.Success;
    }
}

/// <summary>Where telemetry goes and how often, from the standard OTLP settings (null endpoint: nowhere).</summary>
public sealed record TelemetryExport(Uri? Endpoint, OtlpExportProtocol Protocol, int BatchDelayMilliseconds = 5_000, int MetricIntervalMilliseconds = 60_000)
{
    public bool Enabled => Endpoint is not null;

    public static TelemetryExport From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var endpoint = configuration[LocalTelemetry.EndpointVariable] is { Length: > 0 } text && Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : null;
        var protocol = string.Equals(configuration[LocalTelemetry.ProtocolVariable], "http/protobuf", StringComparison.OrdinalIgnoreCase)
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;
        return new TelemetryExport(endpoint, protocol, Milliseconds(LocalTelemetry.BatchDelayVariable, 5_000), Milliseconds(LocalTelemetry.MetricIntervalVariable, 60_000));

        int Milliseconds(string name, int otherwise) =>
            int.TryParse(configuration[name], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 ? value : otherwise;
    }

    /// <summary>The exporter's options for one signal: over HTTP, the signal's path under the endpoint (<c>/v1/traces</c>, …), as the specification says.</summary>
    public OtlpExporterOptions Options(string signal)
    {
        var endpoint = Endpoint ?? throw new InvalidOperationException("No OTLP endpoint is configured.");
        return new OtlpExporterOptions
        {
            Protocol = Protocol,
            Endpoint = Protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(endpoint.ToString().TrimEnd('/') + "/v1/" + signal) : endpoint,
        };
    }
}
