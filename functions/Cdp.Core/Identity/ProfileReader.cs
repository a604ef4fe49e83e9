using Cdp.Core.Profiles;

namespace Cdp.Core.Identity;

/// <summary>
/// Reads profiles for the API: by id or by identifier, following redirects (a merged-away id gives the
/// survivor, and says so), with the survivor's ledger and event history including those of every profile
/// merged into it (history follows a merge by read-time redirect; nothing is re-pointed).
/// </summary>
public sealed class ProfileReader(IdentityRules rules, IIdentityIndex index, IProfileStore profiles, IIdentityLedger ledger, IProfileEventStore events)
{
    public IdentityRules Rules => rules;

    /// <summary>The live profile behind <paramref name="profileId"/> (itself, or its survivor), or null.</summary>
    public async Task<ProfileView?> GetAsync(string profileId, CancellationToken cancellationToken)
    {
        var live = await profiles.LiveAsync(profileId, cancellationToken);
        return live is null ? null : ProfileView.Of(live.Profile, live.Profile.Id == profileId ? null : profileId);
    }

    /// <summary>The live profile holding <paramref name="identifier"/> (normalized), or null.</summary>
    public async Task<ProfileView?> FindAsync(Identifier identifier, CancellationToken cancellationToken)
    {
        var profileId = await index.FindAsync(rules.KeyOf(identifier), cancellationToken);
        if (profileId is null)
        {
            return null;
        }

        var view = await GetAsync(profileId, cancellationToken);
        return view is null ? null : view with { RedirectedFrom = null };
    }

    /// <summary>The ledger of the live profile behind <paramref name="profileId"/> and of every profile merged into it, in time order.</summary>
    public async Task<IReadOnlyList<LedgerEntry>?> LedgerAsync(string profileId, CancellationToken cancellationToken)
    {
        if (await GetAsync(profileId, cancellationToken) is not { } view)
        {
            return null;
        }

        var entries = new List<LedgerEntry>();
        foreach (var id in view.Ids)
        {
            entries.AddRange(await ledger.ListAsync(id, cancellationToken));
        }

        return [.. entries.OrderBy(e => e.At).ThenBy(e => e.Id, StringComparer.Ordinal)];
    }

    /// <summary>Up to <paramref name="max"/> events of the live profile behind <paramref name="profileId"/> and of every profile merged into it, newest first.</summary>
    public async Task<IReadOnlyList<ProfileEvent>?> EventsAsync(string profileId, int max, CancellationToken cancellationToken)
    {
        if (await GetAsync(profileId, cancellationToken) is not { } view)
        {
            return null;
        }

        var all = new List<ProfileEvent>();
        foreach (var id in view.Ids)
        {
            all.AddRange(await events.ListAsync(id, max, cancellationToken));
        }

        return [.. all.OrderByDescending(e => e.Timestamp).ThenByDescending(e => e.MessageId, StringComparer.Ordinal).Take(max)];
    }
}

/// <summary>
/// A profile as the API serves it. <see cref="RedirectedFrom"/> is the id asked for when it was merged into
/// this one; <see cref="Merged"/> lists every profile merged into it; <see cref="SegmentExits"/> the latest exit of each
/// segment it left (none when it never left one).
/// </summary>
public sealed record ProfileView(
    string Id,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<ProfileIdentifier> Identifiers,
    IReadOnlyDictionary<string, Trait> Traits,
    ProfileCounters Counters,
    IReadOnlyList<string> Merged,
    IReadOnlyDictionary<string, SegmentMembership> Segments,
    IReadOnlyDictionary<string, ProfileConsent> Consents,
    string? RedirectedFrom = null,
    IReadOnlyDictionary<string, SegmentExit>? SegmentExits = null)
{
    /// <summary>This profile's id and the ids merged into it.</summary>
    public IEnumerable<string> Ids => Merged.Prepend(Id);

    public static ProfileView Of(Profile profile, string? redirectedFrom)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var document = profile.ToDocument();
        return new(document.Id, document.Version, document.CreatedAt, document.UpdatedAt, document.Identifiers, document.Traits, document.Counters!, document.Merged ?? [], document.Memberships, profile.Consents, redirectedFrom, document.SegmentExits);
    }
}
