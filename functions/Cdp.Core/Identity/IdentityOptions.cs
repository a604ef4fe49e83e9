namespace Cdp.Core.Identity;

/// <summary>
/// Identity resolution settings (configuration section <c>Cdp:Identity</c>): the identifier types, how each
/// is read from a message and normalized, which values are never matched, how many one profile may hold,
/// their priority, and the caps on merging. Types not configured keep the built-in defaults
/// (<see cref="IdentityDefaults"/>); a configured type overrides only what it sets.
/// </summary>
public sealed class IdentityOptions
{
    public const string Section = "Cdp:Identity";

    /// <summary>
    /// The per-deployment secret (base64, at least 32 bytes) that keys the identity index's hashes: the index
    /// holds HMAC-SHA256(key, type and value), never a raw value. Changing it orphans the index.
    /// </summary>
    public string HashKey { get; set; } = string.Empty;

    /// <summary>The region (ISO 3166 code) assumed for phone numbers written without a country code.</summary>
    /// <value>The default is <c>US</c>.</value>
    public string DefaultRegion { get; set; } = "US";

    /// <summary>At most this many profiles are merged by one message; past it, the message's profile is updated without merging.</summary>
    /// <value>The default is 5.</value>
    public int MaxProfilesPerMerge { get; set; } = 5;

    /// <summary>At most this many identifiers on one profile; past it, nothing more is merged or linked to it.</summary>
    /// <value>The default is 200.</value>
    public int MaxIdentifiersPerProfile { get; set; } = 200;

    /// <summary>Identifier types by name (<c>Cdp:Identity:Types:crm_id:Paths:0=traits.crmId</c>).</summary>
    public Dictionary<string, IdentifierTypeOptions> Types { get; } = new(StringComparer.Ordinal);
}

/// <summary>One identifier type's settings; what is left null takes the built-in default for the type.</summary>
public sealed class IdentifierTypeOptions
{
    /// <summary>
    /// Where the value is read: <c>userId</c>, <c>anonymousId</c>, <c>previousId</c>, <c>traits.x</c> (identify's
    /// traits, and every message's <c>context.traits</c>), <c>context.traits.x</c>, <c>properties.x</c>,
    /// <c>context.x</c>. Segment's <c>context.externalIds</c> entries whose <c>type</c> is this type's name are
    /// always read.
    /// </summary>
    public List<string>? Paths { get; set; }

    /// <summary><c>email</c> (trimmed, lower-cased), <c>phone</c> (E.164) or <c>trim</c>.</summary>
    public string? Normalize { get; set; }

    /// <summary>A total order between types: 1 is the strongest. A lower-priority identifier is dropped first.</summary>
    public int? Priority { get; set; }

    /// <summary>How many distinct values of this type one profile may hold.</summary>
    public int? Limit { get; set; }

    /// <summary>Values never matched (compared after normalization, ignoring case), in addition to the built-in placeholders (<see cref="IdentityDefaults.Blocked"/>), which always apply.</summary>
    public List<string>? Blocked { get; set; }

    /// <summary>Regular expressions of values never matched (whole value, ignoring case), in addition to the built-in patterns, which always apply.</summary>
    public List<string>? BlockedPatterns { get; set; }

    /// <summary>
    /// True for a device-like identifier (<c>anonymous_id</c>): when a message links it to another person's
    /// profile and the limits forbid a merge, it moves to the person seen with it latest (by event time).
    /// </summary>
    public bool? FollowsLatest { get; set; }
}
