using Cdp.Core.Profiles;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Identity;

/// <summary>
/// The stores as one batch (or one early-binding request) sees them: index look-ups and claims, profiles
/// read once and written once at the end with their pending changes, and the ledger entries and events to
/// record. Merges and moves write at once (see <see cref="IdentityResolver"/>).
/// </summary>
/// <param name="loadedClaiming">Called when a live profile read here holds links whose claims were not seen through
/// (<see cref="Profile.Claiming"/>) or moves under way (<see cref="Profile.Moving"/>): the resolver settles what is
/// over, finishes or undoes the rest, before the session uses the profile.</param>
internal sealed class ProfileSession(IIdentityIndex index, IProfileStore store, ILogger logger, Func<ProfileSession, PendingProfile, CancellationToken, ValueTask>? loadedClaiming = null)
{
    /// <summary>The keys of the messages whose profile this session wrote (so an attempt after a race does not apply them again elsewhere).</summary>
    public List<string>? WrittenMessages { get; private set; }

    private const int MaxConcurrencyRetries = 10;
    private readonly Dictionary<string, PendingProfile> _profiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _owners = new(StringComparer.Ordinal);

    public List<LedgerEntry> Ledger { get; } = [];

    public List<ProfileEvent> Events { get; } = [];

    public IEnumerable<PendingProfile> Profiles => _profiles.Values;

    /// <summary>The profile the index names for <paramref name="key"/> (looked up once per session).</summary>
    public async ValueTask<string?> OwnerAsync(string key, CancellationToken cancellationToken)
    {
        if (!_owners.TryGetValue(key, out var owner))
        {
            owner = await index.FindAsync(key, cancellationToken);
            _owners[key] = owner;
        }

        return owner;
    }

    /// <summary>The profile the index names for <paramref name="key"/> now (read again, the session's look-up updated).</summary>
    public async ValueTask<string?> RefreshOwnerAsync(string key, CancellationToken cancellationToken)
    {
        var owner = await index.FindAsync(key, cancellationToken);
        _owners[key] = owner;
        return owner;
    }

    public async ValueTask<string> ClaimAsync(string key, string profileId, CancellationToken cancellationToken)
    {
        var owner = await index.ClaimAsync(key, profileId, cancellationToken);
        _owners[key] = owner;
        return owner;
    }

    public async ValueTask<string> ReassignAsync(string key, string fromProfileId, string toProfileId, CancellationToken cancellationToken)
    {
        var owner = await index.ReassignAsync(key, fromProfileId, toProfileId, cancellationToken);
        _owners[key] = owner;
        return owner;
    }

    /// <summary>The profile with this session's changes, or null when it is not stored and not created here.</summary>
    public async ValueTask<PendingProfile?> LoadAsync(string profileId, CancellationToken cancellationToken)
    {
        if (!_profiles.TryGetValue(profileId, out var pending))
        {
            pending = new PendingProfile(profileId, await store.GetAsync(profileId, cancellationToken));
            _profiles[profileId] = pending;
            if (loadedClaiming is not null && pending.Profile is { MergedInto: null } loaded && (loaded.Claiming.Count > 0 || loaded.Moving.Count > 0))
            {
                await loadedClaiming(this, pending, cancellationToken);
            }
        }

        return pending.Profile is null ? null : pending;
    }

    /// <summary>
    /// Reads the profile again and applies this session's pending changes to it (the session's copy may be older than
    /// an index entry read since); throws <see cref="ResolutionRaceException"/> when it was merged away meanwhile.
    /// </summary>
    public async ValueTask RefreshAsync(PendingProfile pending, CancellationToken cancellationToken) =>
        pending.Reload(await store.GetAsync(pending.Id, cancellationToken));

    /// <summary>The profile, created at <paramref name="createdAt"/> when there is none yet.</summary>
    public async ValueTask<PendingProfile> OpenAsync(string profileId, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        if (await LoadAsync(profileId, cancellationToken) is { } pending)
        {
            return pending;
        }

        pending = _profiles[profileId];
        pending.Create(createdAt);
        return pending;
    }

    /// <summary>
    /// Writes the profile's pending changes now and then applies <paramref name="change"/> and writes again
    /// until it sticks (reloading when another writer got there first). For merges and moves, which other
    /// consumers must see before this session goes on.
    /// </summary>
    public async Task<PendingProfile> WriteNowAsync(string profileId, Func<Profile, bool> change, CancellationToken cancellationToken)
    {
        var pending = await LoadAsync(profileId, cancellationToken) ?? throw new ResolutionRaceException($"profile '{profileId}' is not stored yet");
        pending.Apply(change);
        await SaveAsync(pending, cancellationToken);
        pending.Settle();
        return pending;
    }

    private bool Dropped(Profile profile, IReadOnlyList<string> dropped, ProfileTooLargeException refused)
    {
        if (dropped.Count > 0)
        {
            CdpMetrics.TraitsDropped.Add(dropped.Count, KeyValuePair.Create<string, object?>("reason", "profile_size"));
            Logs.ProfileShrunk(logger, profile.Id, refused.Bytes, string.Join(", ", dropped));
        }

        return dropped.Count > 0;
    }

    /// <summary>Writes a changed profile; on a stale version reloads it and applies the session's changes again.</summary>
    public async Task SaveAsync(PendingProfile pending, CancellationToken cancellationToken)
    {
        var shrunk = false;
        for (var attempt = 1; pending.Changed; attempt++)
        {
            string? tag;
            try
            {
                tag = pending.Stored is null
                    ? await store.TryCreateAsync(pending.Profile!, cancellationToken)
                    : await store.TryReplaceAsync(pending.Profile!, pending.Stored.VersionTag, cancellationToken);
            }
            catch (ProfileTooLargeException ex) when (!shrunk)
            {
                // Bounded, not refused: the traits' losing values, then the largest traits, go until the profile's JSON is
                // half the limit (encryption makes personal values larger); a second refusal is the message's failure.
                shrunk = true;
                pending.Apply(p => Dropped(p, p.Shrink(ex.Limit / 2), ex));
                continue;
            }

            if (tag is not null)
            {
                if (pending.Messages.Count > 0)
                {
                    (WrittenMessages ??= []).AddRange(pending.Messages);
                    pending.Messages.Clear();
                }

                pending.Saved(tag);
                return;
            }

            if (attempt >= MaxConcurrencyRetries)
            {
                throw new ContentionException($"Profile '{pending.Id}' kept changing under this batch; giving up after {attempt} attempts.");
            }

            Logs.ProfileWriteConflict(logger, pending.Id, attempt);
            pending.Reload(await store.GetAsync(pending.Id, cancellationToken));
        }
    }
}
