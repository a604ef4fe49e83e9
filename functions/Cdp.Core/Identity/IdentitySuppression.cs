namespace Cdp.Core.Identity;

/// <summary>
/// Erased identifiers stay in the identity index as keyed hashes owned by <see cref="Owner"/> instead of a profile:
/// a claim for them fails as for any held identifier, so an event still arriving for an erased person cannot
/// re-create them, and a race between an erasure and ingest is settled by the index's atomic claim.
/// </summary>
public static class IdentitySuppression
{
    /// <summary>The owner of suppressed keys (no profile id has this shape).</summary>
    public const string Owner = "~erased";

    public static bool IsSuppressed(string? owner) => owner == Owner;
}
