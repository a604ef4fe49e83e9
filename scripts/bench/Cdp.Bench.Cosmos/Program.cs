using System.Globalization;
using System.Text.Json.Nodes;
using Cdp.Azure;
using Cdp.Azure.Cosmos;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: Cdp.Bench.Cosmos ENDPOINT [KEY]. Ingests batches of 100 track events of known people (three
// identifiers each) with 1, 10 and 100 events per profile, over the Cosmos DB adapters, as the Function App
// wires them (no processed-message log) and with the optional log, and prints a Markdown table: the
// operations per event by container and kind, the charge the endpoint reported, and the charge computed
// from Azure's documented costs for the items' sizes.
const string EmulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DjzJmu8qAnjK9jw3nqvS2+xzA8aAvWk4hZ4pPuwuvmzUqg==";
var endpoint = args.Length > 0 ? args[0] : throw new ArgumentException("Give the Cosmos DB endpoint.");
var options = AzureServiceCollectionExtensions.CreateCosmosClientOptions(emulator: true);
options.HttpClientFactory = () => new HttpClient(new CosmosStandInFixes { InnerHandler = new SocketsHttpHandler() });
using var client = new CosmosClient($"AccountEndpoint={endpoint};AccountKey={(args.Length > 1 ? args[1] : EmulatorKey)}", options);
Database database = await client.CreateDatabaseIfNotExistsAsync("cdp-bench-" + Guid.NewGuid().ToString("N")[..8]);
async Task<Container> ContainerAsync(string name, string key = "/id") => (await database.CreateContainerIfNotExistsAsync(name, key)).Container;

var policy = TestDomain.Policy();
var ledger = new CosmosIdentityLedger(await ContainerAsync("ledger", "/profileId"));
var profiles = new CosmosProfileStore(await ContainerAsync("profiles"));
var resolver = new IdentityResolver(TestDomain.Rules(), policy, new CosmosIdentityIndex(await ContainerAsync("identities"), TimeProvider.System), profiles, ledger, NullLogger<IdentityResolver>.Instance);
var events = new CosmosProfileEventStore(await ContainerAsync("events", "/profileId"));
var messages = new CosmosProcessedMessageLog(await ContainerAsync("messages"));
IngestService Ingest(IProcessedMessageLog processed) =>
    new(resolver, policy, ledger, events, processed, new InMemoryStores(), TimeProvider.System, NullLogger<IngestService>.Instance);

var t0 = new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
Message Event(string id, string person, int minute) => new()
{
    MessageId = id,
    Type = MessageType.Track,
    Event = "Product Viewed",
    SourceId = "web",
    UserId = $"user-{person}",
    AnonymousId = $"anon-{person}",
    Properties = new JsonObject { ["sku"] = "SKU-1", ["price"] = 19.99 },
    Context = new JsonObject { ["traits"] = new JsonObject { ["email"] = $"{person}@example.com", ["plan"] = "pro" } },
    Timestamp = t0.AddMinutes(minute),
    ReceivedAt = t0.AddMinutes(minute),
};

Console.WriteLine("| processed-message log | events per profile in a batch | operations per event (container: kind × n (documented RU)) | RU per event, reported | RU per event, documented costs |");
Console.WriteLine("|---|---|---|---|---|");
int[] eventsPerProfile = [1, 10, 100];
foreach (var (withLog, perProfile) in eventsPerProfile.Select(n => (false, n)).Concat(eventsPerProfile.Select(n => (true, n))))
{
    var ingest = Ingest(withLog ? messages : NoProcessedMessageLog.Instance);
    var run = withLog ? "log" : "nolog";
    const int BatchSize = 100;
    var people = Enumerable.Range(0, BatchSize / perProfile).Select(p => $"{run}-{perProfile}-{p}").ToList();
    await ingest.ProcessAsync([.. people.Select((p, i) => Event($"seed-{p}", p, 0))], CancellationToken.None);
    var batch = Enumerable.Range(0, BatchSize).Select(i => Event($"e-{run}-{perProfile}-{i}", people[i % people.Count], i + 1)).ToList();
    IReadOnlyList<CosmosOperation> operations;
    using (var usage = CosmosUsage.Begin())
    {
        await ingest.ProcessAsync(batch, CancellationToken.None);
        operations = usage.Operations;
    }

    var kinds = operations.GroupBy(o => (o.Container, o.Kind)).OrderBy(g => g.Key.Container).ThenBy(g => g.Key.Kind)
        .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key.Container}: {g.Key.Kind} × {g.Count() / (double)BatchSize:0.##} ({g.Sum(o => o.DocumentedCharge ?? 0) / BatchSize:0.##} RU)"));
    var reported = operations.Sum(o => o.RequestCharge) / BatchSize;
    var documented = operations.Sum(o => o.DocumentedCharge ?? 0) / BatchSize;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {(withLog ? "yes" : "no (default)")} | {perProfile} | {string.Join("; ", kinds)} | {reported:0.##} | {documented:0.#} |"));
}

await database.DeleteAsync();
