using Cdp.Azure;
using Cdp.Core;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Cdp.Functions.Privacy;
using Cdp.Http;
using Cdp.Journeys;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Functions.Tests;

/// <summary>The Function App's services compose as Program.cs wires them (no Azure call is made to resolve them).</summary>
public sealed class CompositionTests
{
    [Fact]
    public void ThePrivacyServices_Resolve_OverTheCloudAdapters()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CosmosConnection:accountEndpoint"] = "https://cdp-test.documents.azure.com:443/",
            ["CDP_COSMOS_DATABASE"] = "cdp",
            ["DeadLetterStorage:blobServiceUri"] = "https://cdptest.blob.core.windows.net",
            ["CDP_EVENTHUB_NAME"] = "events",
            ["EventHubConnection:fullyQualifiedNamespace"] = "cdp-test.servicebus.windows.net",
            ["Cdp:Identity:HashKey"] = Cdp.Testing.TestDomain.HashKey,
            ["Cdp:Privacy:MasterKey"] = Cdp.Testing.Contracts.ErasureContract.MasterKey,
            ["Cdp:Access:RequirePrincipal"] = "true",
            ["AzureWebJobsStorage:blobServiceUri"] = "https://cdptest.blob.core.windows.net",
            ["CDP_EVENTHUB_CONSUMER_GROUP"] = "ingest",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddCdpAzure();
        services.AddCdpAzureStatus();
        services.AddCdpCore();
        services.AddCdpSegments();
        services.AddCdpJourneys();
        services.AddCdpHttp();
        Cdp.Destinations.DestinationServiceCollectionExtensions.AddCdpDestinations(services);
        services.AddJourneyActivities();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });

        Assert.NotNull(provider.GetRequiredService<ErasureService>());
        Assert.NotNull(provider.GetRequiredService<PrivacyHandler>());
        Assert.True(provider.GetRequiredService<PersonalDataProtector>().Enabled);
        Assert.IsType<Cdp.Azure.Cosmos.CosmosAuditLog>(provider.GetRequiredService<IAuditLog>());
        Assert.IsType<Cdp.Azure.Cosmos.CosmosPrivacy>(provider.GetRequiredService<IDataKeyStore>());
        Assert.IsType<Cdp.Azure.Cosmos.CosmosProfileStore>(provider.GetRequiredService<IProfileStore>());
        Assert.NotNull(ActivatorUtilities.CreateInstance<AdminMiddleware>(provider));

        // The status API (issue 21): the Event Hubs consumer groups and the change-feed processors.
        Assert.Equal(
            [typeof(Cdp.Azure.EventHubs.EventHubsConsumerStatus), typeof(Cdp.Azure.Cosmos.CosmosChangeFeedStatus)],
            provider.GetServices<Core.Status.IConsumerStatusSource>().Select(s => s.GetType()));
        Assert.NotNull(provider.GetRequiredService<StatusHandler>());

        // Destinations (issue 20): their store is Cosmos DB, every built-in client is registered, the triggers resolve.
        Assert.IsType<Cdp.Azure.Cosmos.CosmosDestinations>(provider.GetRequiredService<Core.Destinations.IDestinationStore>());
        Assert.Equal(["ga4", "hubspot", "mailchimp", "segment", "slack", "webhook"], provider.GetRequiredService<Core.Destinations.DestinationDelivery>().Clients.Select(c => c.Type).Order(StringComparer.Ordinal));
        Assert.NotNull(ActivatorUtilities.CreateInstance<Destinations.DeliverEventsFunction>(provider));
        Assert.NotNull(ActivatorUtilities.CreateInstance<Destinations.DeliverAudiencesFunction>(provider));
        Assert.NotNull(ActivatorUtilities.CreateInstance<Destinations.PutDestinationFunction>(provider));
    }
}
