using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Cdp.Azure;
using Cdp.Azure.Cosmos;
using Cdp.Bench.Cosmos;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Ingest;
using Cdp.Testing;
using Cdp.Testing.InMemory;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: Cdp.Bench.Cosmos ru|latency ENDPOINT [KEY]. Prints a Markdown table.
//   ru       ingests batches of 100 track events of known people (three identifiers each) with 1, 10 and 100
//            events per profile, over the Cosmos DB adapters, as the Function App wires them (no processed-message
//            log) and with the optional log: the operations per event by container and kind, the charge the
//            endpoint reported, and the charge computed from Azure's documented costs for the items' sizes.
//   latency  one Event Hubs partition's ingest with LatencyHandler.Delay added to every request (a simulation of
//            a cloud round trip): the time per batch of 100 events for 100 known people, 100 new people and
//            10 known people with 10 events each.
const string EmulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DjzJmu8qAnjK9jw3nqvS2+xzA8aAvWk4hZ4pPuwuvmzUqg==";
var mode = args.Length > 0 && args[0] is "ru" or "latency" ? args[0] : throw new ArgumentException("Give ru or latency, then the Cosmos DB endpoint.");
var endpoint = args.Length > 1 ? args[1] : throw new ArgumentException("Give the Cosmos DB endpoint.");
var options = AzureServiceCollectionExtensions.CreateCosmosClientOptions(emulator: true);
HttpMessageHandler transport = new CosmosStandInFixes { InnerHandler = new SocketsHttpHandler() };
options.HttpClientFactory = () => new HttpClient(mode == "latency" ? new LatencyHandler { InnerHandler = transport } : transport, disposeHandler: false);
using var client = new CosmosClient($"AccountEndpoint={endpoint};AccountKey={(args.Length > 2 ? args[2] : EmulatorKey)}", options);
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

const int MaturedMessages = 200, MaturedTraits = 20;

// A message that also sets the person's 18 other traits: 16 that keep their value and 2 that change with every message
// (a last page, a cart value), whose losing values the profile keeps (5 each).
Message Matured(Message message, int i)
{
    var traits = (JsonObject)message.Context!["traits"]!.DeepClone();
    for (var t = 0; t < MaturedTraits - 4; t++)
    {
        traits[$"trait_{t}"] = $"value-{t}";
    }

    traits["last_page"] = $"/products/{i}";
    traits["cart_value"] = i * 3;
    return message with { Context = new JsonObject { ["traits"] = traits } };
}

if (mode == "latency")
{
    await LatencyAsync();
    await database.DeleteAsync();
    return;
}

Console.WriteLine("| processed-message log | profiles | events per profile in a batch | operations per event (container: kind × n (documented RU)) | RU per event, reported | RU per event, documented costs | profile item written, bytes |");
Console.WriteLine("|---|---|---|---|---|---|---|");
int[] eventsPerProfile = [1, 10, 100];
// Profiles: 0 new (the batch's event is the person's first), 1 young (one message before), 2 matured.
var cases = eventsPerProfile.Select(n => (Log: false, PerProfile: n, Age: 1))
    .Append((false, 1, 0))
    .Append((false, 1, 2))
    .Concat(eventsPerProfile.Select(n => (Log: true, PerProfile: n, Age: 1)));
foreach (var (withLog, perProfile, age) in cases)
{
    var matured = age == 2;
    var ingest = Ingest(withLog ? messages : NoProcessedMessageLog.Instance);
    var run = (withLog ? "log" : "nolog") + (age == 1 ? "" : $"-{age}");
    const int BatchSize = 100;
    var people = Enumerable.Range(0, BatchSize / perProfile).Select(p => $"{run}-{perProfile}-{p}").ToList();
    if (age > 0)
    {
        await ingest.ProcessAsync([.. people.Select((p, i) => Event($"seed-{p}", p, 0))], CancellationToken.None);
    }

    if (matured)
    {
        // Matured: 200 messages applied to each profile before (in batches of 100 events of 10 people), 20 traits.
        for (var round = 0; round < MaturedMessages / 10; round++)
        {
            for (var group = 0; group < people.Count; group += 10)
            {
                var some = people.Skip(group).Take(10).ToList();
                await ingest.ProcessAsync([.. Enumerable.Range(0, 100).Select(i => Matured(Event($"m-{run}-{round}-{group}-{i}", some[i % some.Count], -10000 + (round * 100) + i), (round * 100) + i))], CancellationToken.None);
            }
        }
    }

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
    var profileBytes = operations.Where(o => o.Container == "profiles" && o.Kind is CosmosOperation.Replace or CosmosOperation.Create).Select(o => o.ItemBytes).DefaultIfEmpty().Max();
    var profilesLabel = age switch { 0 => "new (the event is the first)", 1 => "young (1 message before, 2 traits)", _ => $"matured ({MaturedMessages} messages, {MaturedTraits} traits)" };
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {(withLog ? "yes" : "no (default)")} | {profilesLabel} | {perProfile} | {string.Join("; ", kinds)} | {reported:0.##} | {documented:0.#} | {profileBytes} |"));
}

await database.DeleteAsync();

// Each case: a batch to warm up, then Batches timed batches of 100 events (fresh message ids; the same known people).
async Task LatencyAsync()
{
    const int BatchSize = 100, Batches = 10;
    var ingest = Ingest(NoProcessedMessageLog.Instance);
    Console.WriteLine("| batch of 100 events | requests per batch | median ms per batch | slowest ms | events/s per partition (median) | median ms with no latency added | client CPU ms per batch |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    (string Name, int People, bool Known)[] cases = [("100 known people, 1 event each", 100, true), ("100 new people, 1 event each", 100, false), ("10 known people, 10 events each", 10, true)];
    foreach (var (name, count, known) in cases)
    {
        var (median, slowest, requests, cpu) = await TimeAsync(count, known);
        var delay = LatencyHandler.Delay;
        LatencyHandler.Delay = TimeSpan.Zero;
        var (bare, _, _, _) = await TimeAsync(count, known);
        LatencyHandler.Delay = delay;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {requests:0} | {median:0} | {slowest:0} | {BatchSize * 1000 / median:0} | {bare:0} | {cpu:0} |"));
    }

    // The client's CPU: this process's (the adapters, the Cosmos DB SDK and the domain), not the stand-in's.
    async Task<(double Median, double Slowest, double Requests, double Cpu)> TimeAsync(int count, bool known)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var people = Enumerable.Range(0, count).Select(p => $"lat-{run}-{p}").ToList();
        if (known)
        {
            await ingest.ProcessAsync([.. people.Select(p => Event($"seed-{p}", p, 0))], CancellationToken.None);
        }

        var times = new List<double>();
        var requests = 0;
        var cpu = TimeSpan.Zero;
        for (var b = 0; b <= Batches; b++)
        {
            var batchPeople = known ? people : [.. people.Select(p => $"{p}-{b}")];
            var batch = Enumerable.Range(0, BatchSize).Select(i => Event($"e-{run}-{b}-{i}", batchPeople[i % batchPeople.Count], (b * BatchSize) + i + 1)).ToList();
            using var usage = CosmosUsage.Begin();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            await ingest.ProcessAsync(batch, CancellationToken.None);
            if (b > 0)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
                cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                requests += usage.Operations.Count;
            }
        }

        times.Sort();
        return (times[times.Count / 2], times[^1], requests / (double)Batches, cpu.TotalMilliseconds / Batches);
    }
}
