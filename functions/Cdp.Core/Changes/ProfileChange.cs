using Cdp.Core.Profiles;

namespace Cdp.Core.Changes;

/// <summary>
/// One write of a profile, as the change feed delivers it: the profile as written and its version tag; for a
/// deleted profile, its tombstone (<see cref="Deleted"/>).
/// </summary>
public sealed record ProfileChange(string ProfileId, string VersionTag, ProfileDocument Profile)
{
    public bool Deleted => Profile.Deleted;

    /// <summary>
    /// Null when the consumer handled the version just before this one (or this is the first): the document's
    /// <c>changedPaths</c> are everything that changed since. Otherwise the version after which the consumer missed
    /// changes (0: it does not know, e.g. after a restart) — Cosmos DB's change feed may deliver only the latest
    /// version of an item — and subscribers react to the profile's state for what changed after it (docs/segments.md).
    /// </summary>
    public long? MissedAfter { get; init; }
}
