using Cdp.Core.Ingest;

namespace Cdp.Testing.Contracts;

/// <summary>What every <see cref="IProcessedMessageLog"/> must do. Each adapter's tests derive from this.</summary>
public abstract class ProcessedMessageLogContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A log to test; keys are unique per test, so a shared log is fine.</summary>
    protected abstract IProcessedMessageLog Log { get; }

    private static string NewKey() => IProcessedMessageLog.KeyFor("web", Guid.NewGuid().ToString());

    [Fact]
    public async Task FindAsync_ReturnsExactlyTheRecordedKeys()
    {
        var (a, b, c) = (NewKey(), NewKey(), NewKey());

        Assert.Empty(await Log.FindAsync([a, b, c], CancellationToken.None));
        await Log.AddAsync([a, c], T0, CancellationToken.None);

        Assert.Equal(new[] { a, c }.Order(StringComparer.Ordinal), (await Log.FindAsync([a, b, c], CancellationToken.None)).Order(StringComparer.Ordinal));
        Assert.Empty(await Log.FindAsync([], CancellationToken.None));
    }

    [Fact]
    public async Task AddAsync_Twice_IsNotAnError()
    {
        var key = NewKey();
        await Log.AddAsync([key], T0, CancellationToken.None);

        await Log.AddAsync([key, key], T0.AddMinutes(1), CancellationToken.None);

        Assert.Equal([key], await Log.FindAsync([key], CancellationToken.None));
    }

    [Fact]
    public void KeyFor_SourceAndMessageId_AreBothPartOfTheKey()
    {
        Assert.NotEqual(IProcessedMessageLog.KeyFor("web", "m1"), IProcessedMessageLog.KeyFor("ios", "m1"));
        Assert.NotEqual(IProcessedMessageLog.KeyFor("web", "m1"), IProcessedMessageLog.KeyFor("web", "m2"));
        Assert.DoesNotContain(IProcessedMessageLog.KeyFor("web", "a/b?c#d"), c => c is '/' or '?' or '#' or '\\');
    }
}
