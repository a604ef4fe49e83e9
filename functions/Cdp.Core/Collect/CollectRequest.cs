using Cdp.Core.Events;

namespace Cdp.Core.Collect;

/// <summary>
/// One request to the collection API: the (decompressed) body, the message type of the endpoint (null
/// for <c>/v1/batch</c>), and the write key from HTTP Basic auth when given there.
/// </summary>
public sealed record CollectRequest(ReadOnlyMemory<byte> Body, MessageType? Type, string? WriteKey);

/// <summary>How the collection API answered.</summary>
public enum CollectOutcome
{
    /// <summary>Every message was accepted (or dropped as a bot, or withheld for want of consent).</summary>
    Accepted,

    /// <summary>At least one message was refused; the others were accepted. Refused ones are dead letters.</summary>
    Invalid,

    /// <summary>No source has that write key.</summary>
    Unauthorized,

    /// <summary>The source is over its request limit; nothing was read.</summary>
    RateLimited,
}

/// <summary>The outcome of a request, what was accepted, and the problems by field of what was not.</summary>
public sealed record CollectResult(
    CollectOutcome Outcome,
    IReadOnlyList<Message> Accepted,
    IReadOnlyDictionary<string, string[]> Errors,
    IReadOnlyList<string> DeadLetterIds,
    int BotsDropped = 0,
    TimeSpan? RetryAfter = null,
    int Withheld = 0,
    int Filtered = 0)
{
    /// <summary>
    /// For an early-binding source: the profile id of each accepted message, resolved before the reply (null
    /// for a message without a usable identifier); else null.
    /// </summary>
    public IReadOnlyList<string?>? BoundProfileIds { get; init; }

    internal static CollectResult Unauthorized { get; } = new(CollectOutcome.Unauthorized, [], FieldErrors.None, []);

    internal static CollectResult RateLimited(TimeSpan retryAfter) => new(CollectOutcome.RateLimited, [], FieldErrors.None, [], RetryAfter: retryAfter);
}
