namespace Cdp.Core.Identity;

/// <summary>
/// The identity index: identifier key (<see cref="IdentityRules.KeyOf"/>, a keyed hash, never a raw value)
/// to profile id. A key belongs to at most one profile; the first claim wins and later claims learn the owner.
/// </summary>
/// <remarks>
/// Claims are idempotent: claiming a key again for its owner changes nothing, so ingest can replay a
/// message safely. Implementations must make the claim atomic (a create that fails when the entry exists)
/// and the reassignment conditional on the current owner, because several consumers may act at once.
/// The index may name a profile that has since been merged away: readers follow the profile's redirect.
/// </remarks>
public interface IIdentityIndex
{
    /// <summary>The profile that owns <paramref name="key"/>, or null when none does.</summary>
    Task<string?> FindAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Claims <paramref name="key"/> for <paramref name="profileId"/> unless another profile owns it;
    /// returns the owner after the call (<paramref name="profileId"/> when the claim succeeded or was already held).
    /// </summary>
    Task<string> ClaimAsync(string key, string profileId, CancellationToken cancellationToken);

    /// <summary>
    /// Moves <paramref name="key"/> to <paramref name="toProfileId"/> if <paramref name="fromProfileId"/> owns it
    /// (or nobody does); returns the owner after the call. Moving it again changes nothing.
    /// </summary>
    Task<string> ReassignAsync(string key, string fromProfileId, string toProfileId, CancellationToken cancellationToken);
}
