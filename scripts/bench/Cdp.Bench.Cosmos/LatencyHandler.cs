namespace Cdp.Bench.Cosmos;

/// <summary>
/// Adds <see cref="Delay"/> before every request to Cosmos DB: a simulation of a cloud round trip (a Function App and
/// its account in one region answer a point read in a few milliseconds) over the local stand-in, which answers in
/// well under one. Not a model of throttling, contention or the service's own time.
/// </summary>
internal sealed class LatencyHandler : DelegatingHandler
{
    /// <summary>5 ms; the latency bench sets it to zero to measure the stand-in's and the client's own time.</summary>
    public static TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(5);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
