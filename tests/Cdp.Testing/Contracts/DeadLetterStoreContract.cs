using Cdp.Core.DeadLetters;

namespace Cdp.Testing.Contracts;

/// <summary>What every <see cref="IDeadLetterStore"/> must do. Each adapter's tests derive from this.</summary>
public abstract class DeadLetterStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    /// <summary>An empty store for this test.</summary>
    protected abstract Task<IDeadLetterStore> CreateAsync();

    private static DeadLetter Letter(string id, int minutes, string? sourceId = "web", string? messageId = null) =>
        new(id, DeadLetter.CollectStage, sourceId, $"reason {id}", $$"""{"type":"track","note":"é {{id}}"}""", T0.AddMinutes(minutes), messageId);

    [Fact]
    public async Task AddAsync_ThenGet_RoundTripsEveryField()
    {
        var store = await CreateAsync();
        var letter = Letter("dl-1", 0, messageId: "m1");

        await store.AddAsync(letter, CancellationToken.None);

        Assert.Equal(letter, await store.GetAsync("dl-1", CancellationToken.None));
    }

    [Fact]
    public async Task AddAsync_SameIdTwice_KeepsTheFirst()
    {
        var store = await CreateAsync();
        await store.AddAsync(Letter("dl-1", 0), CancellationToken.None);

        await store.AddAsync(Letter("dl-1", 5) with { Reason = "second" }, CancellationToken.None);

        var kept = Assert.Single(await store.ListAsync(10, CancellationToken.None));
        Assert.Equal("reason dl-1", kept.Reason);
    }

    [Fact]
    public async Task ListAsync_InIdOrder_UpToTheLimit()
    {
        var store = await CreateAsync();
        await store.AddAsync(Letter("dl-c", 2, sourceId: null), CancellationToken.None);
        await store.AddAsync(Letter("dl-a", 0), CancellationToken.None);
        await store.AddAsync(Letter("dl-b", 1), CancellationToken.None);

        Assert.Equal(["dl-a", "dl-b"], (await store.ListAsync(2, CancellationToken.None)).Select(l => l.Id));
        Assert.Null((await store.ListAsync(3, CancellationToken.None))[2].SourceId);
    }

    /// <summary>The status API's count: by stage, at most as many as asked for, saying when there are more.</summary>
    [Fact]
    public async Task CountAsync_CountsByStage_UpToTheMost_AndSaysWhenThereAreMore()
    {
        var store = await CreateAsync();
        await store.AddAsync(Letter("dl-1", 0), CancellationToken.None);
        await store.AddAsync(Letter("dl-2", 1), CancellationToken.None);
        await store.AddAsync(Letter("dl-3", 2) with { Stage = DeadLetter.IngestStage }, CancellationToken.None);

        var all = await store.CountAsync(10, CancellationToken.None);
        var capped = await store.CountAsync(2, CancellationToken.None);

        Assert.Equal(new Dictionary<string, long> { [DeadLetter.CollectStage] = 2, [DeadLetter.IngestStage] = 1 }, all.ByStage);
        Assert.False(all.Capped);
        Assert.True(capped.Capped);
        Assert.Equal(2, capped.ByStage.Values.Sum());
    }

    [Fact]
    public async Task RemoveAsync_RemovesOne_AndMissingIsNotAnError()
    {
        var store = await CreateAsync();
        await store.AddAsync(Letter("dl-1", 0), CancellationToken.None);
        await store.AddAsync(Letter("dl-2", 1), CancellationToken.None);

        await store.RemoveAsync("dl-1", CancellationToken.None);
        await store.RemoveAsync("dl-missing", CancellationToken.None);

        Assert.Null(await store.GetAsync("dl-1", CancellationToken.None));
        Assert.Equal(["dl-2"], (await store.ListAsync(10, CancellationToken.None)).Select(l => l.Id));
    }

    [Fact]
    public async Task ListAsync_PagesThroughEveryLetter_OnceEach_FilteredByStageAndSource()
    {
        var store = await CreateAsync();
        for (var i = 0; i < 12; i++)
        {
            var letter = Letter($"dl-{i:D2}", i, sourceId: i % 3 == 0 ? "app" : "web");
            await store.AddAsync(i % 4 == 0 ? letter with { Stage = DeadLetter.IngestStage } : letter, CancellationToken.None);
        }

        async Task<List<string>> AllAsync(DeadLetterQuery query)
        {
            var ids = new List<string>();
            for (string? after = null; ;)
            {
                var page = await store.ListAsync(query with { After = after }, CancellationToken.None);
                Assert.True(page.Letters.Count <= query.Max);
                ids.AddRange(page.Letters.Select(l => l.Id));
                if ((after = page.Next) is null)
                {
                    return ids;
                }
            }
        }

        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"dl-{i:D2}"), await AllAsync(new DeadLetterQuery(Max: 5)));
        Assert.Equal(["dl-00", "dl-04", "dl-08"], await AllAsync(new DeadLetterQuery(Max: 2, Stage: DeadLetter.IngestStage)));
        Assert.Equal(["dl-00", "dl-03", "dl-06", "dl-09"], await AllAsync(new DeadLetterQuery(Max: 3, SourceId: "app")));
        Assert.Equal(["dl-03", "dl-06", "dl-09"], await AllAsync(new DeadLetterQuery(Max: 1, Stage: DeadLetter.CollectStage, SourceId: "app")));
        var last = await store.ListAsync(new DeadLetterQuery(Max: 12), CancellationToken.None);
        Assert.Equal(12, last.Letters.Count);
        Assert.Null(last.Next);
    }
}
