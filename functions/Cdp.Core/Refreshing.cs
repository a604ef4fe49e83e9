namespace Cdp.Core;

/// <summary>
/// A value loaded on first use and loaded again once older than <paramref name="maxAge"/> (or after
/// <see cref="Invalidate"/>), one load at a time: the catalogs of saved definitions the change feed reads.
/// </summary>
internal sealed class Refreshing<T>(Func<CancellationToken, Task<T>> load, TimeSpan maxAge, TimeProvider time) : IDisposable
    where T : class
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Loaded? _current;

    /// <summary>The value, loaded again first when it is older than the age allowed (without a wait or an allocation while fresh).</summary>
    public ValueTask<T> CurrentAsync(CancellationToken cancellationToken) =>
        Fresh() is { } value ? new ValueTask<T>(value) : new ValueTask<T>(LoadAsync(cancellationToken));

    /// <summary>The value last loaded, however old, or null before the first load.</summary>
    public T? Last => _current?.Value;

    private async Task<T> LoadAsync(CancellationToken cancellationToken)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } loaded)
            {
                return loaded;
            }

            var at = time.GetUtcNow();
            var next = await load(cancellationToken);
            _current = new Loaded(next, at);
            return next;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Makes the next read load again.</summary>
    public void Invalidate() => _current = null;

    public void Dispose() => _loading.Dispose();

    private T? Fresh() => _current is { } current && time.GetUtcNow() - current.At < maxAge ? current.Value : null;

    private sealed record Loaded(T Value, DateTimeOffset At);
}
