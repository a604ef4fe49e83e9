namespace Cdp.Core.Destinations;

/// <summary>The saved destinations, read again every <see cref="MaxAge"/> (at once on the host that changed them).</summary>
public sealed class DestinationCatalog(IDestinationStore store, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    private readonly Refreshing<IReadOnlyList<DestinationDefinition>> _current = new(store.ListAsync, MaxAge, time);

    public ValueTask<IReadOnlyList<DestinationDefinition>> CurrentAsync(CancellationToken cancellationToken) => _current.CurrentAsync(cancellationToken);

    public void Invalidate() => _current.Invalidate();

    public void Dispose() => _current.Dispose();
}
