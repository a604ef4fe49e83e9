using Cdp.Core.DeadLetters;
using Cdp.Core.Status;
using Cdp.Testing.InMemory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Core.Tests.Status;

/// <summary>The status the API answers and the timer logs for the alert rules: consumers from every source, dead letters by stage (counted up to a cap).</summary>
public class StatusServiceTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    private sealed class Source(params ConsumerStatus[] consumers) : IConsumerStatusSource
    {
        public Task<IReadOnlyList<ConsumerStatus>> ReadAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ConsumerStatus>>(consumers);
    }

    private sealed class Recording : ILogger
    {
        public List<(int EventId, IReadOnlyList<KeyValuePair<string, object?>> State)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((eventId.Id, state as IReadOnlyList<KeyValuePair<string, object?>> ?? []));
    }

    private static async Task<InMemoryStores> LettersAsync(int collect, int ingest)
    {
        var stores = new InMemoryStores();
        for (var i = 0; i < collect + ingest; i++)
        {
            await ((IDeadLetterStore)stores).AddAsync(new DeadLetter($"l{i:D6}", i < collect ? DeadLetter.CollectStage : DeadLetter.IngestStage, "web", "bad", "{}", Now), CancellationToken.None);
        }

        return stores;
    }

    [Fact]
    public async Task Status_ListsEverySourcesConsumersByName_AndCountsDeadLettersByStage()
    {
        var stores = await LettersAsync(collect: 2, ingest: 1);
        var service = new StatusService([new Source(new ConsumerStatus("ingest", ConsumerStatus.Events, 5, 12)), new Source(new ConsumerStatus("changes", ConsumerStatus.Changes, 0, 0), new ConsumerStatus("segments", ConsumerStatus.Schedule))], stores, new FakeTimeProvider(Now));
        var logger = new Recording();

        var status = await service.ReportAsync(logger, CancellationToken.None);

        Assert.Equal(["changes", "ingest", "segments"], status.Consumers.Select(c => c.Name));
        Assert.Equal(new Dictionary<string, long> { ["collect"] = 2, ["ingest"] = 1 }, status.DeadLetters);
        Assert.False(status.DeadLettersCapped);
        Assert.Equal(Now, status.At);
        // Logged for the alert rules: the consumers whose lag is known (260), the dead letters by stage (261).
        Assert.Equal([260, 260, 261, 261], logger.Entries.Select(e => e.EventId));
        var ingest = logger.Entries.Single(e => e.EventId == 260 && e.State.Any(p => p.Key == "Consumer" && (string?)p.Value == "ingest")).State;
        Assert.Equal((5L, 12d), ((long)ingest.Single(p => p.Key == "Behind").Value!, (double)ingest.Single(p => p.Key == "SecondsBehind").Value!));
    }

    [Fact]
    public async Task DeadLetters_AreCountedUpToTheCap_AndSaySoPastIt()
    {
        var stores = await LettersAsync(collect: StatusService.MaxCounted + 1, ingest: 0);
        var service = new StatusService([], stores, new FakeTimeProvider(Now));

        var status = await service.ReadAsync(CancellationToken.None);

        Assert.True(status.DeadLettersCapped);
        Assert.Equal(StatusService.MaxCounted, status.DeadLetters["collect"]);
    }
}
