namespace Cdp.Core.Profiles;

/// <summary>Following merged-away profiles (redirects) to the live survivor, read-only.</summary>
public static class ProfileRedirects
{
    /// <summary>More redirects than this in a row means a broken chain.</summary>
    public const int MaxHops = 32;

    /// <summary>
    /// The live profile behind <paramref name="profileId"/>: itself, or the survivor its merges lead to; null
    /// when there is none (not stored, or the chain ends at a survivor not written yet).
    /// </summary>
    public static async Task<StoredProfile?> LiveAsync(this IProfileStore profiles, string profileId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var stored = await profiles.GetAsync(profileId, cancellationToken);
        for (var hops = 0; stored?.Profile.MergedInto is { } survivor; hops++)
        {
            if (hops == MaxHops)
            {
                throw new InvalidOperationException($"Profile '{profileId}' redirects more than {MaxHops} times.");
            }

            stored = await profiles.GetAsync(survivor, cancellationToken);
        }

        return stored;
    }
}
