namespace Cdp.Core.Profiles;

/// <summary>
/// A store refused to write a profile whose stored document (personal values encrypted) would be larger than its limit,
/// <see cref="ProfileDocument.MaxStoredBytes"/>. Not transient: the same write fails the same way, so ingest first
/// shrinks the profile (<see cref="Profile.Shrink"/>) and, if that is not enough, keeps the message as a dead letter.
/// </summary>
public sealed class ProfileTooLargeException : Exception
{
    public ProfileTooLargeException(string profileId, long bytes, int limit = ProfileDocument.MaxStoredBytes)
        : base($"Profile '{profileId}' would be {bytes} bytes stored, over the limit of {limit} bytes.")
    {
        ProfileId = profileId;
        Bytes = bytes;
        Limit = limit;
    }

    public string ProfileId { get; } = "";

    public long Bytes { get; }

    /// <summary>The store's limit (<see cref="ProfileDocument.MaxStoredBytes"/> for the real stores).</summary>
    public int Limit { get; }
}
