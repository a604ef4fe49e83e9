namespace Cdp.Core.Profiles;

/// <summary>
/// Stores profiles by id with optimistic concurrency: every read returns a version tag, and a replace
/// succeeds only if the stored version still carries that tag.
/// </summary>
/// <remarks>
/// Every successful create or replace is a change that the profile change feed delivers (at least once).
/// Callers load, change, and save, and on a stale tag load again and re-apply; since profile changes
/// are idempotent, a repeated attempt converges.
/// </remarks>
public interface IProfileStore
{
    /// <summary>The profile and its version tag, or null when there is none with that id.</summary>
    Task<StoredProfile?> GetAsync(string profileId, CancellationToken cancellationToken);

    /// <summary>Creates the profile; returns its version tag, or null when one with that id already exists.</summary>
    Task<string?> TryCreateAsync(Profile profile, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the profile if its stored version tag is still <paramref name="versionTag"/>; returns the new
    /// version tag, or null when stale (or gone).
    /// </summary>
    Task<string?> TryReplaceAsync(Profile profile, string versionTag, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the profile if its stored version tag is still <paramref name="stored"/>'s; false when stale (or
    /// gone). The deletion reaches the change feed as a tombstone (<see cref="ProfileDocument.Tombstone"/>, the
    /// next version); afterwards the profile reads as absent and the id can be created again. A store that keeps
    /// tombstones as items expires them after <see cref="TombstoneRetention"/>.
    /// </summary>
    Task<bool> TryDeleteAsync(StoredProfile stored, DateTimeOffset deletedAt, CancellationToken cancellationToken);

    /// <summary>How long a tombstone is kept at least, so that every change-feed consumer sees the deletion.</summary>
    static readonly TimeSpan TombstoneRetention = TimeSpan.FromDays(7);
}

/// <summary>A profile as read from a store, with the version tag to replace it against.</summary>
public sealed record StoredProfile(Profile Profile, string VersionTag);
