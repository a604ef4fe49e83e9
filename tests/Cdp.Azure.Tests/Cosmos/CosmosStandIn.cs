using System.Globalization;
using Cdp.Azure;
using Cdp.Azure.Cosmos;
using Cdp.Testing;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Tests.Cosmos;

/// <summary>
/// A Cosmos DB endpoint for over-the-wire tests. By default the Node stand-in <c>@vercel/cosmosdb-server</c>
/// that scripts/test.sh installs into <c>scripts/tools/node</c>, started here on a free loopback port and stopped
/// at the end. Set <c>CDP_TEST_COSMOS_ENDPOINT</c> and <c>CDP_TEST_COSMOS_KEY</c> to run the same tests against
/// the official emulator (or an account) instead.
/// </summary>
/// <remarks>
/// The stand-in answers a read of a missing item with 500 instead of 404, and has no change feed;
/// <see cref="CosmosStandInFixes"/> rewrites exactly that reply and, on the stand-in only, serves the change
/// feed from its items. It has no transactional batch either: <see cref="Batches"/> checks and applies a batch's
/// writes one by one there. Nothing else is changed.
/// </remarks>
public sealed class CosmosStandIn : IAsyncLifetime
{
    public const string EndpointVariable = "CDP_TEST_COSMOS_ENDPOINT";
    public const string KeyVariable = "CDP_TEST_COSMOS_KEY";

    // The well-known emulator key; the stand-in accepts any key.
    private const string EmulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DjzJmu8qAnjK9jw3nqvS2+xzA8aAvWk4hZ4pPuwuvmzUqg==";

    private NodeTool? _standIn;

    public CosmosClient Client { get; private set; } = null!;

    public Database Database { get; private set; } = null!;

    /// <summary>Cosmos DB's transactional batch, except on the stand-in, which has none (<see cref="CosmosStandInBatches"/>).</summary>
    public ICosmosBatches Batches => _standIn is not null ? new CosmosStandInBatches() : ICosmosBatches.Transactional;

    public async Task InitializeAsync()
    {
        var endpoint = Environment.GetEnvironmentVariable(EndpointVariable);
        var connection = string.IsNullOrWhiteSpace(endpoint)
            ? null
            : $"AccountEndpoint={endpoint};AccountKey={Environment.GetEnvironmentVariable(KeyVariable) ?? EmulatorKey}";
        if (connection is null)
        {
            _standIn = await NodeTool.StartAsync("cosmosdb-server", port => ["--host", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "--no-ssl"], "Ready");
            connection = $"AccountEndpoint=http://127.0.0.1:{_standIn.Port}/;AccountKey={EmulatorKey}";
        }

        var options = AzureServiceCollectionExtensions.CreateCosmosClientOptions(emulator: true);
        var standIn = _standIn is not null;
        options.HttpClientFactory = () => new HttpClient(new CosmosStandInFixes { ChangeFeed = standIn, InnerHandler = new SocketsHttpHandler() });
        Client = new CosmosClient(connection, options);
        Database = (await Client.CreateDatabaseIfNotExistsAsync("cdp-tests-" + Guid.NewGuid().ToString("N")[..8])).Database;
    }

    /// <summary>
    /// A container partitioned on <paramref name="partitionKeyPath"/> (<c>/id</c>, as <c>identities</c> and
    /// <c>profiles</c> are), with TTL on and no default (items with a <c>ttl</c> expire), as Bicep creates them.
    /// </summary>
    public Task<Container> ContainerAsync(CosmosContainer container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return ContainerAsync(container.DefaultName, container.PartitionKey);
    }

    /// <summary>A test-only container (e.g. one per contract suite) partitioned on <paramref name="partitionKeyPath"/>.</summary>
    public async Task<Container> ContainerAsync(string name, string partitionKeyPath = "/id") =>
        (await Database.CreateContainerIfNotExistsAsync(new ContainerProperties(name, partitionKeyPath) { DefaultTimeToLive = -1 })).Container;

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_standIn is not null)
        {
            await _standIn.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CosmosCollection : ICollectionFixture<CosmosStandIn>
{
    public const string Name = "cosmos";
}
