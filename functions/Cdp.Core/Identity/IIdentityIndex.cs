namespace Cdp.Core.Identity;

/// <summary>
/// The identity index: identifier to profile id. An identifier belongs to at most one profile; the first
/// claim wins and later claims learn the owner.
/// </summary>
/// <remarks>
/// Claims are idempotent: claiming an identifier again for its owner changes nothing, so ingest can
/// replay a message safely. Implementations must make the claim atomic (a create that fails when the
/// entry exists), because two consumers may claim the same identifier at once.
/// </remarks>
public interface IIdentityIndex
{
    /// <summary>The profile that owns <paramref name="identifier"/>, or null when none does.</summary>
    Task<string?> FindAsync(Identifier identifier, CancellationToken cancellationToken);

    /// <summary>
    /// Claims <paramref name="identifier"/> for <paramref name="profileId"/> unless another profile owns it;
    /// returns the owner after the call (<paramref name="profileId"/> when the claim succeeded or was already held).
    /// </summary>
    Task<string> ClaimAsync(Identifier identifier, string profileId, CancellationToken cancellationToken);
}
