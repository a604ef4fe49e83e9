using Cdp.Core.Profiles;

namespace Cdp.Core.Identity;

/// <summary>
/// A profile as loaded for one batch (or one early-binding request), the changes made to it since, and
/// whether it must be written. The changes are kept as operations so that, when another consumer wrote the
/// profile in the meantime, they are applied again to the profile as it is now (they are idempotent).
/// </summary>
internal sealed class PendingProfile(string id, StoredProfile? stored)
{
    private readonly List<Func<Profile, bool>> _changes = [];
    private DateTimeOffset? _createdAt;

    public string Id { get; } = id;

    public StoredProfile? Stored { get; private set; } = stored;

    /// <summary>The profile with this batch's changes, or null when it is neither stored nor created yet.</summary>
    public Profile? Profile { get; private set; } = stored?.Profile;

    /// <summary>The keys of the messages applied to it since it was last written.</summary>
    public List<string> Messages { get; } = [];

    /// <summary>True when the profile must be written (it is new, or a change changed it).</summary>
    public bool Changed { get; private set; }

    /// <summary>Starts a new profile at <paramref name="createdAt"/> (the event time of the message creating it).</summary>
    public Profile Create(DateTimeOffset createdAt)
    {
        _createdAt = createdAt;
        Profile = new Profile(Id, createdAt);
        Changed = true;
        return Profile;
    }

    /// <summary>Applies a change now and keeps it to apply again after a reload.</summary>
    public void Apply(Func<Profile, bool> change)
    {
        _changes.Add(change);
        Changed |= change(Profile ?? throw new InvalidOperationException($"Profile '{Id}' is neither stored nor created."));
    }

    /// <summary>
    /// Nothing to write: the profile as stored already satisfies the changes made since it was last written, so they
    /// are forgotten, not applied again after a later reload (where, the profile changed by another writer, a link the
    /// stored profile had made unnecessary would put back an identifier that moved away meanwhile).
    /// </summary>
    public void Settle()
    {
        if (!Changed)
        {
            _changes.Clear();
        }
    }

    /// <summary>The profile was written: it now stands as stored under <paramref name="versionTag"/>, nothing pending.</summary>
    public void Saved(string versionTag)
    {
        Profile!.Committed();
        Stored = new StoredProfile(Profile, versionTag);
        _changes.Clear();
        _createdAt = null;
        Changed = false;
    }

    /// <summary>
    /// Starts again from the profile as stored now and applies this batch's changes again. Throws
    /// <see cref="ResolutionRaceException"/> when the profile was merged away meanwhile: its changes belong
    /// to the survivor, so the batch is resolved again.
    /// </summary>
    public void Reload(StoredProfile? stored)
    {
        if (stored?.Profile.MergedInto is { } survivor)
        {
            throw new ResolutionRaceException($"profile '{Id}' was merged into '{survivor}'");
        }

        Stored = stored;
        Profile = stored?.Profile ?? (_createdAt is { } createdAt ? new Profile(Id, createdAt) : null);
        Changed = stored is null && Profile is not null;
        foreach (var change in _changes)
        {
            Changed |= change(Profile!);
        }
    }
}

/// <summary>Identity changed under a batch (a profile it used was merged away, a claim was lost): the batch is resolved again.</summary>
internal sealed class ResolutionRaceException(string reason) : ContentionException(reason);
