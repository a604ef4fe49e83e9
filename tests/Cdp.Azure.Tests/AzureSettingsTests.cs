using Cdp.Azure.Cosmos;
using Cdp.Core.Ingest;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Azure.Tests;

public class AzureSettingsTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void CreateCosmosClient_NoConnection_NamesTheMissingSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AzureServiceCollectionExtensions.CreateCosmosClient(Settings()));

        Assert.Contains("CosmosConnection__accountEndpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateCosmosClient_AccountEndpoint_UsesIdentityAndDirectMode()
    {
        using var client = AzureServiceCollectionExtensions.CreateCosmosClient(Settings(
            ("CosmosConnection:accountEndpoint", "https://cdp-test.documents.azure.com:443/"),
            ("CosmosConnection:clientId", "00000000-0000-0000-0000-000000000001")));

        Assert.Equal(new Uri("https://cdp-test.documents.azure.com:443/"), client.Endpoint);
        Assert.Equal(ConnectionMode.Direct, client.ClientOptions.ConnectionMode);
        Assert.Equal(9, client.ClientOptions.MaxRetryAttemptsOnRateLimitedRequests);
    }

    [Theory]
    [InlineData(null, typeof(NoProcessedMessageLog))]
    [InlineData("messages", typeof(CosmosProcessedMessageLog))]
    public void ProcessedMessageLog_IsInCosmosOnlyWhenAContainerIsNamedForIt(string? container, Type expected)
    {
        var settings = new List<(string, string)> { ("CosmosConnection:accountEndpoint", "https://cdp-test.documents.azure.com:443/"), ("CDP_COSMOS_DATABASE", "cdp") };
        if (container is not null)
        {
            settings.Add(("CDP_COSMOS_MESSAGES_CONTAINER", container));
        }

        using var services = new ServiceCollection().AddSingleton(Settings([.. settings])).AddCdpAzure().BuildServiceProvider();

        Assert.IsType(expected, services.GetRequiredService<IProcessedMessageLog>());
    }

    [Fact]
    public void CreateProducer_NoNamespace_NamesTheMissingSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AzureServiceCollectionExtensions.CreateProducer(Settings(("CDP_EVENTHUB_NAME", "events"))));

        Assert.Contains("EventHubConnection__fullyQualifiedNamespace", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateProducer_Namespace_TargetsTheHub()
    {
        await using var producer = AzureServiceCollectionExtensions.CreateProducer(Settings(
            ("CDP_EVENTHUB_NAME", "events"),
            ("EventHubConnection:fullyQualifiedNamespace", "cdp-test.servicebus.windows.net")));

        Assert.Equal("events", producer.EventHubName);
        Assert.Equal("cdp-test.servicebus.windows.net", producer.FullyQualifiedNamespace);
    }

    [Fact]
    public void CreateDeadLetterContainer_NoConnection_NamesTheMissingSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AzureServiceCollectionExtensions.CreateDeadLetterContainer(Settings()));

        Assert.Contains("DeadLetterStorage__blobServiceUri", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateDeadLetterContainer_ServiceUri_DefaultContainerName()
    {
        var container = AzureServiceCollectionExtensions.CreateDeadLetterContainer(Settings(("DeadLetterStorage:blobServiceUri", "https://cdptest.blob.core.windows.net")));

        Assert.Equal("deadletters", container.Name);
        Assert.Equal("cdptest", container.AccountName);
    }
}
