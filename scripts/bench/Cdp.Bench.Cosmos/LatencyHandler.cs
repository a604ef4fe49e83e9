namespace Cdp.Bench.Cosmos;

/// <summary>
/// Adds <see cref="Delay"/> before every request to Cosmos DB: a simulation of a cloud round trip (a Function App and
/// its account in one region answer a point read in a few milliseconds) over the local stand-in, which answers in
/// well under one. Not a model of throttling, contention or the service's own time.
/// </summary>
internal sealed class LatencyHandler : DelegatingHandler
{
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(5);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await Task.Delay(Delay, cancellationToken);
        return await base.SendAsync(request, cancellationToken);
    }
}
