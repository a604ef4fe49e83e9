namespace Cdp.Local.Tests;

/// <summary>
/// Waits for background work (ingest, the change feed, journeys) to reach a state. The limit is a guard
/// against a hang, not a speed assertion: it is generous, and the test then asserts on the state itself.
/// </summary>
internal static class Eventually
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, Func<T, bool> done)
        where T : class
    {
        using var limit = new CancellationTokenSource(Limit);
        T? last = null;
        while (!limit.IsCancellationRequested)
        {
            last = await probe();
            if (last is not null && done(last))
            {
                return last;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        return last ?? throw new InvalidOperationException("The state never appeared.");
    }
}
