using Cdp.Core.Profiles;

namespace Cdp.Core.Changes;

/// <summary>
/// One write of a profile, as the change feed delivers it: the profile as written and its version tag; for a
/// deleted profile, its tombstone (<see cref="Deleted"/>).
/// </summary>
public sealed record ProfileChange(string ProfileId, string VersionTag, ProfileDocument Profile)
{
    public bool Deleted => Profile.Deleted;
}
