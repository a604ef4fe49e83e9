using System.Diagnostics;
using Azure.Identity;
using Cdp.Core;
using Cdp.Core.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cdp.Functions.Tests;

/// <summary>The Function App's OpenTelemetry (issue 21): the domain's spans and meter go to Application Insights with the managed identity.</summary>
public sealed class TelemetryTests
{
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";

    [Fact]
    public void WithAConnectionString_TheDomainsSpansAndMeter_AreExported_ToAzureMonitor()
    {
        using var provider = Provider(new()
        {
            [FunctionTelemetry.ConnectionStringSetting] = ConnectionString,
            [FunctionTelemetry.AuthenticationSetting] = "ClientId=11111111-1111-1111-1111-111111111111;Authorization=AAD",
        });

        Assert.Equal(TelemetryStatus.AzureMonitor, provider.GetRequiredService<TelemetryStatus>().Exporter);
        Assert.NotNull(provider.GetRequiredService<TracerProvider>());
        Assert.NotNull(provider.GetRequiredService<MeterProvider>());
        // The tracer provider listens to the domain's source and Durable Task's (without a listener there is no span; which
        // are recorded is the exporter's rate-limited sampler's choice).
        using var span = CdpTracing.StartInternal("probe");
        Assert.NotNull(span);
        using var durable = new ActivitySource(FunctionTelemetry.DurableTaskSource).StartActivity("durable-probe");
        Assert.NotNull(durable);
    }

    [Fact]
    public void WithoutAConnectionString_NothingIsExported_AndTheStatusSaysSo()
    {
        using var provider = Provider([]);

        Assert.Equal(TelemetryStatus.None, provider.GetRequiredService<TelemetryStatus>().Exporter);
        Assert.Null(provider.GetService<TracerProvider>());
    }

    [Theory]
    [InlineData("ClientId=abc;Authorization=AAD", true)]
    [InlineData("Authorization=AAD", true)]
    [InlineData("", false)]
    [InlineData("ClientId=abc", false)]
    public void TheAuthenticationSetting_NamesTheManagedIdentity(string setting, bool entra)
    {
        var credential = FunctionTelemetry.CredentialFrom(setting);

        Assert.Equal(entra, credential is ManagedIdentityCredential);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddCdpTelemetry(configuration);
        return services.BuildServiceProvider();
    }
}
