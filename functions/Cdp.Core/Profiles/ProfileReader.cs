using Cdp.Core.Identity;

namespace Cdp.Core.Profiles;

/// <summary>Reads profiles for the API: by id, or by one of their identifiers.</summary>
public sealed class ProfileReader(IIdentityIndex index, IProfileStore profiles)
{
    public async Task<ProfileDocument?> GetAsync(string profileId, CancellationToken cancellationToken)
    {
        var stored = await profiles.GetAsync(profileId, cancellationToken);
        return stored?.Profile.ToDocument();
    }

    public async Task<ProfileDocument?> FindAsync(Identifier identifier, CancellationToken cancellationToken)
    {
        var profileId = await index.FindAsync(identifier, cancellationToken);
        return profileId is null ? null : await GetAsync(profileId, cancellationToken);
    }
}
