using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cdp.Core.Destinations;
using Cdp.Core.Privacy;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Destinations;

/// <summary>
/// Delivery on its own, with a scripted client standing for the tool (its answers are the rare faults to drive):
/// batching by the client's size, transient answers retried after the tool's Retry-After, bounded attempts, refusals
/// and thrown clients isolated as dead letters (one per item, the same letter on a repeat), and the status counts.
/// </summary>
public class DestinationDeliveryTests
{
    private readonly InMemoryStores _stores = new();
    private readonly InMemoryDestinationStore _destinations = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));

    private static readonly DestinationDefinition Tool = new() { Id = "crm", Name = "CRM", Type = "scripted", Events = new(), RequestsPerSecond = 1000 };

    private DestinationDelivery Delivery(ScriptedClient client, int maxAttempts = 3) => new(
        [client],
        _destinations,
        new DestinationSecrets(Options.Create(new PrivacyOptions())),
        _stores,
        Options.Create(new DestinationOptions { MaxAttempts = maxAttempts, RetryDelay = TimeSpan.FromSeconds(1) }),
        _time,
        NullLogger<DestinationDelivery>.Instance);

    private static SelectedItems Items(int count)
    {
        var selected = new SelectedItems();
        for (var i = 0; i < count; i++)
        {
            selected.Items.Add(new JsonObject { ["type"] = "track", ["messageId"] = $"m{i}", ["event"] = "Clicked" });
        }

        return selected;
    }

    private async Task<DestinationStatus> StatusAsync() => (await _destinations.GetStatusAsync(Tool.Id, CancellationToken.None))!.Value.Status;

    /// <summary>Waits (guarded) until the client was called <paramref name="calls"/> times: the delivery then sleeps on the fake clock.</summary>
    private static async Task CalledAsync(ScriptedClient client, int calls)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (client.Batches.Count < calls)
        {
            await Task.Delay(5, guard.Token);
        }
    }

    [Fact]
    public async Task Items_GoInBatchesOfTheClientsSize_AndAreCounted()
    {
        var client = new ScriptedClient(maxBatch: 2);

        await Delivery(client).DeliverAsync(Tool, Items(5), CancellationToken.None);

        Assert.Equal([2, 2, 1], client.Batches.Select(b => b.Count));
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], client.Batches.SelectMany(b => b).Select(i => i["messageId"]!.GetValue<string>()));
        Assert.Equal(5, (await StatusAsync()).Delivered);
        Assert.Empty(_stores.DeadLetters);
    }

    [Fact]
    public async Task ATransientAnswer_IsRetriedAfterTheToolsRetryAfter_NotBefore()
    {
        var client = new ScriptedClient(answers: new DeliveryResult(DeliveryOutcome.Retry, "429", TimeSpan.FromSeconds(30)));
        var delivering = Delivery(client).DeliverAsync(Tool, Items(1), CancellationToken.None);

        await CalledAsync(client, 1);
        _time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(50);
        var beforeRetryAfter = client.Batches.Count;
        _time.Advance(TimeSpan.FromSeconds(1));
        await delivering.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, beforeRetryAfter);
        Assert.Equal(2, client.Batches.Count);
        Assert.Equal(1, (await StatusAsync()).Delivered);
        Assert.Empty(_stores.DeadLetters);
    }

    [Fact]
    public async Task AnOutageLongerThanTheAttempts_MakesEachItemADeadLetter_AndTheConsumerMovesOn()
    {
        var down = new DeliveryResult(DeliveryOutcome.Retry, "503", TimeSpan.FromSeconds(1));
        var client = new ScriptedClient(answers: [down, down, down]);
        var delivering = Delivery(client, maxAttempts: 3).DeliverAsync(Tool, Items(2), CancellationToken.None);
        for (var call = 1; call < 3; call++)
        {
            await CalledAsync(client, call);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        await delivering.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, client.Batches.Count);
        Assert.Equal(["m0", "m1"], _stores.DeadLetters.Select(l => l.MessageId).Order(StringComparer.Ordinal));
        Assert.All(_stores.DeadLetters, l =>
        {
            Assert.Equal(DeadLetters.DeadLetter.DestinationStage, l.Stage);
            Assert.Equal("crm", l.SourceId);
            Assert.StartsWith("Still failing after 3 attempts: 503", l.Reason, StringComparison.Ordinal);
        });
        var status = await StatusAsync();
        Assert.Equal((0, 2), (status.Delivered, status.DeadLettered));
        Assert.StartsWith("Still failing", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ItemsTheToolRefuses_AreDeadLetters_TheRestDelivered_AndARepeatKeepsOneLetterEach()
    {
        var partly = new DeliveryResult(DeliveryOutcome.Delivered, Refused: new Dictionary<int, string> { [1] = "invalid email" });
        var client = new ScriptedClient(answers: [partly, partly]);
        var delivery = Delivery(client);

        await delivery.DeliverAsync(Tool, Items(3), CancellationToken.None);
        await delivery.DeliverAsync(Tool, Items(3), CancellationToken.None); // the consumer crashed before its checkpoint

        var letter = Assert.Single(_stores.DeadLetters);
        Assert.Equal("m1", letter.MessageId);
        Assert.Equal("scripted refused it: invalid email", letter.Reason);
        Assert.Equal("m1", JsonNode.Parse(letter.Body)!["messageId"]!.GetValue<string>());
        Assert.Equal(2, client.Batches.Count);
        Assert.Equal((4, 2), ((await StatusAsync()).Delivered, (await StatusAsync()).DeadLettered));
    }

    [Fact]
    public async Task AClientThatThrows_IsRefused_NotRetried_AndItsItemsAreDeadLetters()
    {
        var client = new ScriptedClient(throws: new FormatException("bad template"));

        await Delivery(client).DeliverAsync(Tool, Items(2), CancellationToken.None);

        Assert.Single(client.Batches);
        Assert.Equal(2, _stores.DeadLetters.Count);
        Assert.All(_stores.DeadLetters, l => Assert.Equal("scripted refused the batch: The scripted client failed: FormatException: bad template", l.Reason));
    }

    [Fact]
    public async Task AnItemItsMappingCannotMap_IsADeadLetterNamingTheStep()
    {
        var client = new ScriptedClient();
        var selected = Items(1);
        selected.Unmappable.Add((new JsonObject { ["messageId"] = "m9" }, "mapping[0]: 'x' is not a number."));

        await Delivery(client).DeliverAsync(Tool, selected, CancellationToken.None);

        var letter = Assert.Single(_stores.DeadLetters);
        Assert.Equal("Its mapping failed: mapping[0]: 'x' is not a number.", letter.Reason);
        Assert.Equal((1, 1), ((await StatusAsync()).Delivered, (await StatusAsync()).DeadLettered));
    }

    /// <summary>A client that answers from a script (then Delivered), or throws; it keeps every batch it was handed.</summary>
    private sealed class ScriptedClient(int maxBatch = 100, Exception? throws = null, params DeliveryResult[] answers) : IDestinationClient
    {
        private readonly ConcurrentQueue<DeliveryResult> _answers = new(answers);

        public ConcurrentQueue<IReadOnlyList<JsonObject>> Batches { get; } = new();

        public string Type => "scripted";

        public DestinationReceives Receives => DestinationReceives.Both;

        public int MaxBatch => maxBatch;

        public double DefaultRequestsPerSecond => 1000;

        public IEnumerable<(string Field, string Problem)> Problems(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets) => [];

        public Task<DeliveryResult> SendAsync(DestinationDefinition destination, IReadOnlyDictionary<string, string> secrets, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
        {
            Batches.Enqueue([.. items]);
            if (throws is not null)
            {
                throw throws;
            }

            return Task.FromResult(_answers.TryDequeue(out var answer) ? answer : DeliveryResult.Done);
        }
    }
}
