using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Cdp.Core;
using Cdp.Core.Status;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cdp.Functions;

/// <summary>
/// OpenTelemetry in the Function App's worker: the domain's spans (<see cref="CdpTracing"/>), Durable Task's and
/// outgoing HTTP, under each invocation's span (the host's trace context), and the domain's meter
/// (<see cref="CdpMetrics"/>), exported to Application Insights by the Azure Monitor exporter with the app's managed
/// identity (<c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>: <c>ClientId=…;Authorization=AAD</c>). Logs keep going
/// through the Functions host, as before (the alert rules and the workbook read them there; exporting them here too
/// would record each twice). Without <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> nothing is exported.
/// </summary>
public static class FunctionTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>Durable Task's spans (orchestrations and activities).</summary>
    public const string DurableTaskSource = "Microsoft.DurableTask";

    public static IServiceCollection AddCdpTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[ConnectionStringSetting] is not { Length: > 0 } connectionString)
        {
            services.AddSingleton(new TelemetryStatus(TelemetryStatus.None));
            return services;
        }

        var credential = CredentialFrom(configuration[AuthenticationSetting]);
        services.AddSingleton(new TelemetryStatus(TelemetryStatus.AzureMonitor));
        services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing
                .AddSource(CdpTracing.SourceName, DurableTaskSource)
                .AddHttpClientInstrumentation()
                .AddAzureMonitorTraceExporter(options => Configure(options, connectionString, credential)))
            .WithMetrics(metrics => metrics
                .AddMeter(CdpMetrics.MeterName)
                .AddHttpClientInstrumentation()
                .AddAzureMonitorMetricExporter(options => Configure(options, connectionString, credential)));
        return services;
    }

    /// <summary>The managed identity the authentication setting names (<c>ClientId=…;Authorization=AAD</c>); null: the ingestion key of the connection string.</summary>
    internal static TokenCredential? CredentialFrom(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication))
        {
            return null;
        }

        var parts = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!string.Equals(parts.GetValueOrDefault("Authorization"), "AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return new ManagedIdentityCredential(parts.GetValueOrDefault("ClientId") is { Length: > 0 } clientId
            ? ManagedIdentityId.FromUserAssignedClientId(clientId)
            : ManagedIdentityId.SystemAssigned);
    }

    private static void Configure(AzureMonitorExporterOptions options, string connectionString, TokenCredential? credential)
    {
        options.ConnectionString = connectionString;
        options.Credential = credential;
    }
}
