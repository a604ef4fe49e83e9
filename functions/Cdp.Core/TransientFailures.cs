namespace Cdp.Core;

/// <summary>
/// Tells an adapter's transient failures apart (a store throttled, unavailable, timed out). An adapter registers one
/// for the exceptions of its SDK; see <see cref="TransientFailures"/>.
/// </summary>
public interface ITransientFailureRule
{
    /// <summary>True when <paramref name="exception"/> is a failure that may pass if the same work is tried again later.</summary>
    bool IsTransient(Exception exception);
}

/// <summary>
/// Whether a failure is worth retrying as it is (transient: a store throttled, unavailable or timed out, a write
/// contended past its retries) or would repeat on every retry (deterministic: a bug, an overflow, an item the store
/// refuses). Consumers retry the first without bound, so no message is lost while a store is down, and isolate the
/// second, so one bad message never stops a partition (docs/identity.md § Containment).
/// </summary>
public sealed class TransientFailures(IEnumerable<ITransientFailureRule> rules)
{
    private readonly ITransientFailureRule[] _rules = [.. rules];

    /// <summary>Only the built-in rules (contention, timeouts, I/O), for tests and hosts without an adapter's rules.</summary>
    public static TransientFailures BuiltIn { get; } = new([]);

    public bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        switch (exception)
        {
            case ContentionException or TimeoutException or IOException or System.Net.Http.HttpRequestException or OperationCanceledException:
                return true;
            case AggregateException aggregate:
                return aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient);
        }

        foreach (var rule in _rules)
        {
            if (rule.IsTransient(exception))
            {
                return true;
            }
        }

        return exception.InnerException is { } inner && IsTransient(inner);
    }
}

/// <summary>
/// Other writers kept changing what this work read (a profile written by another consumer more often than the retries
/// allow, identity changed under a batch again and again): transient, the work is tried again later.
/// </summary>
public class ContentionException(string message) : Exception(message);
