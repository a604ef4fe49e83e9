namespace Cdp.Core.Identity;

/// <summary>The built-in identifier types and the defaults every type starts from.</summary>
public static class IdentityDefaults
{
    public const string UserId = "user_id";
    public const string AnonymousId = "anonymous_id";
    public const string Email = "email";
    public const string Phone = "phone";

    /// <summary>Values that are placeholders, not identities: never matched, for every type.</summary>
    public static IReadOnlyList<string> Blocked { get; } = ["", "null", "undefined", "anonymous", "unknown", "0", "-1", "n/a", "none", "nil", "nan"];

    /// <summary>Patterns of placeholder values: one character repeated (<c>00000</c>, <c>xxxx</c>), a nil UUID, dashes and zeros only.</summary>
    public static IReadOnlyList<string> BlockedPatterns { get; } = [@"(.)\1{3,}", @"[0-]+", @"[-_. ]+"];

    /// <summary>Extra patterns for email: a value without an at sign, and no-reply addresses.</summary>
    public static IReadOnlyList<string> BlockedEmailPatterns { get; } = [@"[^@]*", @"(no-?reply|do-?not-?reply)@.*"];

    /// <summary>The built-in types as if configured: each setting the rules fall back to.</summary>
    public static IReadOnlyDictionary<string, IdentifierTypeOptions> Types { get; } = new Dictionary<string, IdentifierTypeOptions>(StringComparer.Ordinal)
    {
        [UserId] = new() { Paths = ["userId"], Normalize = "trim", Priority = 1, Limit = 1, FollowsLatest = false },
        [Email] = new() { Paths = ["traits.email"], Normalize = "email", Priority = 2, Limit = 5, FollowsLatest = false },
        [Phone] = new() { Paths = ["traits.phone"], Normalize = "phone", Priority = 3, Limit = 5, FollowsLatest = false },
        [AnonymousId] = new() { Paths = ["anonymousId", "previousId"], Normalize = "trim", Priority = 100, Limit = 100, FollowsLatest = true },
    };

    /// <summary>
    /// The longest value an identifier may have (characters): a longer one is not an identity (blocked, like a
    /// placeholder). Bounds what identifiers add to a profile (at most <c>MaxIdentifiersPerProfile</c> of them).
    /// </summary>
    public const int MaxValueLength = 1024;

    /// <summary>The limit of a custom type that sets none.</summary>
    public const int CustomLimit = 5;
}
