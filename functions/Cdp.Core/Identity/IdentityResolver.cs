using System.Security.Cryptography;
using System.Text;
using Cdp.Core.Events;
using Cdp.Core.Profiles;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Identity;

/// <summary>An identifier of a message, with its index key and its type's rules (computed once per message).</summary>
public sealed record MessageIdentifier(Identifier Identifier, string Key, IdentifierType Type);

/// <summary>Identifiers already keyed in one batch, and a scratch list for reading a message's.</summary>
public sealed class IdentifierCache
{
    internal Dictionary<(string Type, string Value), MessageIdentifier> Keyed { get; } = [];

    internal List<(IdentifierType Type, string Value)> Scratch { get; } = new(4);
}

/// <summary>
/// The profile a message belongs to and the identifiers to link to it; <paramref name="Others"/> are the other profiles
/// its identifiers reached (a message an earlier delivery applied to one of them, before a crash, is not applied again).
/// </summary>
internal sealed record Resolved(string ProfileId, List<MessageIdentifier> Linked, List<PendingProfile>? Others = null)
{
    /// <summary>True when one of the other profiles the message reached took it in already.</summary>
    public bool AppliedElsewhere(string messageKey) => Others?.Exists(p => p.Profile?.HasApplied(messageKey) == true) == true;
}

/// <summary>
/// Identity resolution: which profile a message belongs to, merging profiles its identifiers show to be
/// one person. The algorithm (Segment's, see docs/identity.md):
/// <list type="number">
/// <item>Look up every identifier; follow merged-away profiles to their survivor.</item>
/// <item>If linking the message's identifiers to the profiles found (all of them, merged) would give one
/// profile more values of a type than the type's limit, drop the message's lowest-priority identifier and
/// try again.</item>
/// <item>None found: a new profile (id derived from the message id). One: that one. Several: merge them
/// into the oldest (ties by id). Past the caps (profiles per merge, identifiers per profile): no merge; the
/// strongest identifier's profile takes the message.</item>
/// <item>Claim the identifiers nobody holds. A device identifier (<see cref="IdentifierType.FollowsLatest"/>)
/// dropped because of a limit moves to this profile if the message is later than its holder last saw it.</item>
/// </list>
/// </summary>
/// <remarks>
/// A merge is a sequence of idempotent steps, each a single write: (1) the ledger entry, (2) the merged-away
/// profile becomes a redirect (its content frozen), (3) the survivor absorbs it (once: it lists what it
/// merged), (4) the index entries move to the survivor. A crash after any step is completed by the replay,
/// or by whoever next follows the redirect (<see cref="RootAsync"/> finishes an unfinished absorb).
/// </remarks>
public sealed class IdentityResolver(IdentityRules rules, MergePolicy policy, IIdentityIndex index, IProfileStore profiles, IIdentityLedger ledger, ILogger<IdentityResolver> logger, Activity.ActivityCounters? activity = null)
{
    public IdentityRules Rules => rules;

    /// <summary>
    /// The message's identifiers with their keys, strongest first. With <paramref name="known"/> (one per
    /// batch) an identifier seen earlier in the batch reuses its key instead of hashing it again.
    /// </summary>
    public List<MessageIdentifier> IdentifiersOf(Message message, IdentifierCache? known = null)
    {
        known ??= new IdentifierCache();
        rules.Read(message, known.Scratch);
        var result = new List<MessageIdentifier>(known.Scratch.Count);
        foreach (var (type, value) in known.Scratch)
        {
            if (!known.Keyed.TryGetValue((type.Name, value), out var keyed))
            {
                var identifier = new Identifier(type.Name, value);
                keyed = new MessageIdentifier(identifier, rules.KeyOf(identifier), type);
                known.Keyed.Add((type.Name, value), keyed);
            }

            result.Add(keyed);
        }

        return result;
    }

    /// <summary>A deterministic id for the profile a message creates: the same message always yields the same id.</summary>
    public static string NewProfileId(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(messageId));
        return "p_" + Convert.ToHexStringLower(hash, 0, 12);
    }

    internal ProfileSession OpenSession() => new(index, profiles, logger, SettleClaimsAsync);

    /// <summary>
    /// Finishes or undoes the links of a profile whose claims were not seen through (<see cref="Profile.Claiming"/>: a
    /// crash, or another consumer still at it): an entry nobody holds is claimed for it; one that names it, or a
    /// profile merged into it, is settled; one that names another live profile holding the identifier means it lost:
    /// it lets go; one that names a profile which let go of it (a device move stopped before the entry followed) follows it.
    /// A move that is over is forgotten.
    /// </summary>
    private async ValueTask SettleClaimsAsync(ProfileSession session, PendingProfile pending, CancellationToken cancellationToken)
    {
        var profile = pending.Profile!;
        var held = new Dictionary<string, Identifier>(StringComparer.Ordinal);
        foreach (var identifier in profile.Identifiers)
        {
            held[rules.KeyOf(identifier.Identifier)] = identifier.Identifier;
        }

        foreach (var (key, _) in profile.Moving.ToList())
        {
            // A move is over once the entry names another profile (or none); while it names this one, a reader of the
            // entry finishes the move (only it knows the identifier: the profile keeps the key).
            var owner = await session.RefreshOwnerAsync(key, cancellationToken);
            if (owner != pending.Id && (owner is null || (await profiles.LiveAsync(owner, cancellationToken))?.Profile.Id != pending.Id))
            {
                pending.Apply(p => p.MoveSettled(key));
            }
        }

        foreach (var key in profile.Claiming.ToList())
        {
            if (!held.TryGetValue(key, out var identifier))
            {
                pending.Apply(p => p.ClaimSettled(key));
                continue;
            }

            var owner = await session.RefreshOwnerAsync(key, cancellationToken) ?? await session.ClaimAsync(key, pending.Id, cancellationToken);
            if (owner != pending.Id && !IdentitySuppression.IsSuppressed(owner))
            {
                // The profile the entry names (a redirect whose survivor has not absorbed it yet still holds it), and its survivor.
                var named = (await profiles.GetAsync(owner, cancellationToken))?.Profile;
                var root = named?.MergedInto is null ? named : (await profiles.LiveAsync(owner, cancellationToken))?.Profile;
                if (root?.Id == pending.Id)
                {
                    owner = pending.Id;
                }
                else if (named?.Holds(identifier) != true && root?.Holds(identifier) != true
                    && (MovingTo(named, key) ?? MovingTo(root, key) ?? pending.Id) == pending.Id)
                {
                    // Named by a profile that let go of it, moving it here (the move stopped before the entry followed).
                    owner = await session.ReassignAsync(key, owner, pending.Id, cancellationToken);
                }
            }

            if (owner == pending.Id)
            {
                pending.Apply(p => p.ClaimSettled(key));
            }
            else
            {
                // Lost to another profile (or erased): let go.
                await LetGoAsync(session, pending.Id, [(identifier, key, owner)], profile.UpdatedAt, cancellationToken);
            }
        }
    }

    /// <summary>Resolves the message's profile in <paramref name="session"/>: claims, merges and moves are written; the profile's own changes are left pending.</summary>
    internal async ValueTask<Resolved> ResolveAsync(ProfileSession session, Message message, List<MessageIdentifier> identifiers, CancellationToken cancellationToken)
    {
        var at = message.Timestamp ?? message.ReceivedAt ?? throw new ArgumentException("The message has no time.", nameof(message));

        // 1. The live profile (survivor) behind each identifier; null when unclaimed.
        var roots = new PendingProfile?[identifiers.Count];
        for (var i = 0; i < identifiers.Count; i++)
        {
            if (await session.OwnerAsync(identifiers[i].Key, cancellationToken) is { } owner)
            {
                roots[i] = await RootAsync(session, owner, at, identifiers, cancellationToken);
                if (!roots[i]!.Profile!.Holds(identifiers[i].Identifier) && roots[i]!.Stored is not null)
                {
                    // The session's copy may be older than the entry just read (another consumer linked it since).
                    await session.RefreshAsync(roots[i]!, cancellationToken);
                }

                if (!roots[i]!.Profile!.Holds(identifiers[i].Identifier) && roots[i]!.Profile!.Moving.TryGetValue(identifiers[i].Key, out var to)
                    && owner == await session.RefreshOwnerAsync(identifiers[i].Key, cancellationToken))
                {
                    // A device moving to another profile, its entry not moved yet (the mover is at it, or crashed): finish it.
                    await FinishMoveAsync(session, identifiers[i], owner, roots[i]!, to, at, cancellationToken);
                    throw new ResolutionRaceException($"the {identifiers[i].Type.Name} identifier of message '{message.MessageId}' was moving to another profile");
                }

                if (!roots[i]!.Profile!.Holds(identifiers[i].Identifier) && owner != await session.RefreshOwnerAsync(identifiers[i].Key, cancellationToken))
                {
                    // Finishing a merge on the way moved the entry elsewhere (the survivor could not take it): start again.
                    throw new ResolutionRaceException($"the {identifiers[i].Type.Name} identifier of message '{message.MessageId}' moved while it was resolved");
                }
            }
        }

        // A known person (every identifier on one live profile): nothing to claim, merge or drop.
        if (OneLiveProfile(roots))
        {
            // The index names it for every identifier. A profile started here from a claim whose profile was never
            // written (from before claims followed the profile) links them now, within the limits. A stored one that
            // does not hold one let go of it (a device moving to another person): it is not taken back.
            List<MessageIdentifier>? missing = null;
            foreach (var identifier in identifiers)
            {
                if (roots[0]!.Stored is null && !roots[0]!.Profile!.Holds(identifier.Identifier))
                {
                    (missing ??= []).Add(identifier);
                }
            }

            if (missing is not null)
            {
                await LinkThenClaimAsync(session, roots[0]!.Id, missing, identifiers.Count > 1, message, at, cancellationToken);
            }

            return new Resolved(roots[0]!.Id, identifiers);
        }

        return await ResolveKnownPartlyAsync(session, message, at, identifiers, roots, cancellationToken);
    }

    private static string? MovingTo(Profile? profile, string key) => profile is not null && profile.Moving.TryGetValue(key, out var to) ? to : null;

    /// <summary>Steps 2 to 4 for a message that is not all one known person: drops, the target, merges, claims and moves.</summary>
    private async ValueTask<Resolved> ResolveKnownPartlyAsync(ProfileSession session, Message message, DateTimeOffset at, List<MessageIdentifier> identifiers, PendingProfile?[] roots, CancellationToken cancellationToken)
    {
        // 2. Drop the lowest-priority identifier while the union would break a limit.
        var kept = new List<int>(identifiers.Count);
        for (var i = 0; i < identifiers.Count; i++)
        {
            kept.Add(i);
        }

        List<int>? dropped = null;
        while (kept.Count > 1 && BreaksLimit(identifiers, roots, kept))
        {
            (dropped ??= []).Add(kept[^1]);
            kept.RemoveAt(kept.Count - 1);
            CdpMetrics.IdentifiersDropped.Add(1, KeyValuePair.Create<string, object?>("type", identifiers[dropped[^1]].Type.Name));
            Logs.IdentifierDropped(logger, message.MessageId, identifiers[dropped[^1]].Type.Name, roots[dropped[^1]]?.Id ?? "(new)");
        }

        // 3. The target: none found, one, or the survivor of a merge (unless past the caps).
        var candidates = new List<PendingProfile>(1);
        foreach (var i in kept)
        {
            if (roots[i] is { } root && !candidates.Contains(root))
            {
                candidates.Add(root);
            }
        }

        PendingProfile? target;
        if (candidates.Count <= 1)
        {
            target = candidates.Count == 1 ? candidates[0] : await HintAsync(session, message, at, cancellationToken);
        }
        else if (candidates.Count > rules.MaxProfilesPerMerge || UnionCount(candidates, identifiers, kept) > rules.MaxIdentifiersPerProfile)
        {
            target = roots[kept.First(i => roots[i] is not null)]!;
            CdpMetrics.MergesCapped.Add(1);
            Logs.MergeCapped(logger, message.MessageId, candidates.Count, UnionCount(candidates, identifiers, kept), target.Id);
            kept = [.. kept.Where(i => roots[i] is null || roots[i]!.Id == target.Id)];
        }
        else
        {
            candidates.Sort((a, b) => Profile.SurvivorOrder(a.Profile!, b.Profile!));
            target = candidates[0];
            foreach (var merged in candidates.Skip(1))
            {
                var shared = kept.Where(i => roots[i]?.Id == merged.Id).Select(i => identifiers[i]).ToList();
                await MergeAsync(session, merged.Id, target.Id, message, at, shared, cancellationToken);
            }
        }

        var profileId = target?.Id ?? NewProfileId(message.MessageId);
        List<PendingProfile>? others = null;
        foreach (var root in roots)
        {
            if (root is not null && root.Id != profileId && !(others ??= []).Contains(root))
            {
                others.Add(root);
            }
        }

        // 4. Claim what nobody holds, profile first: the ledger records the link, the profile holds the identifiers
        //    (its limits checked against it as stored, under its version), and only then does the index name it.
        //    So whoever finds a claim finds a profile that holds it. A lost claim means another consumer linked the
        //    identifier meanwhile: the profile lets go of it, and the message is resolved again.
        var linked = new List<MessageIdentifier>(identifiers.Count);
        List<MessageIdentifier>? unclaimed = null;
        foreach (var i in kept)
        {
            linked.Add(identifiers[i]);
            if (roots[i] is null)
            {
                (unclaimed ??= []).Add(identifiers[i]);
            }
        }

        if (unclaimed is not null)
        {
            await LinkThenClaimAsync(session, profileId, unclaimed, identifiers.Count > 1, message, at, cancellationToken);
        }

        foreach (var i in dropped ?? [])
        {
            if (identifiers[i].Type.FollowsLatest && await MoveAsync(session, identifiers[i], roots[i], profileId, message, at, cancellationToken))
            {
                linked.Add(identifiers[i]);
            }
        }

        return new Resolved(profileId, linked, others);
    }

    /// <summary>
    /// Links <paramref name="unclaimed"/> to the profile (created at <paramref name="at"/> if new) and then claims them:
    /// the ledger entry first (evidence before effect; its id derives from the message, so a replay writes it again),
    /// the profile written with the identifiers (<see cref="LinkWithinLimits"/> refuses one past its type's limit when
    /// another consumer got there first), then each claim. The profile lets go of what another profile claimed first,
    /// and the message is resolved again.
    /// </summary>
    private async Task LinkThenClaimAsync(ProfileSession session, string profileId, List<MessageIdentifier> unclaimed, bool together, Message message, DateTimeOffset at, CancellationToken cancellationToken, string part = "")
    {
        var pending = await session.OpenAsync(profileId, at, cancellationToken);
        await ledger.AppendAsync(
            [new LedgerEntry(
                part.Length == 0 ? EntryId(LedgerEntry.Link, profileId, message.MessageId) : EntryId(LedgerEntry.Link, profileId, message.MessageId, part),
                profileId,
                LedgerEntry.Link,
                at,
                message.MessageId,
                pending.Stored is null ? "new-profile" : "matched-profile",
                [.. unclaimed.Select(i => i.Type.Name).Distinct()],
                [.. unclaimed.Select(i => i.Key)])],
            cancellationToken);
        await session.WriteNowAsync(profileId, p => LinkWithinLimits(p, unclaimed, at, together) | unclaimed.Aggregate(false, (changed, i) => p.MarkClaiming(i.Key) | changed), cancellationToken);
        List<(MessageIdentifier Identifier, string Owner)>? lost = null;
        foreach (var identifier in unclaimed)
        {
            var owner = await session.ClaimAsync(identifier.Key, profileId, cancellationToken);
            if (owner != profileId && (await profiles.LiveAsync(owner, cancellationToken))?.Profile.Id == profileId)
            {
                // Owned by a profile merged into this one whose entry has not moved yet: it is this profile's. Following the
                // redirect first finishes that merge if a crash stopped it before the absorb, so that this profile lists the
                // merged one and a later merge of this profile repoints it (redirects stay one hop).
                await RootAsync(session, owner, at, [], cancellationToken);
                owner = await session.ReassignAsync(identifier.Key, owner, profileId, cancellationToken);
            }

            if (owner != profileId)
            {
                (lost ??= []).Add((identifier, owner));
            }
            else
            {
                // Seen through: the mark goes with the batch's write (a crash before it leaves the next reader to settle it).
                var key = identifier.Key;
                (await session.LoadAsync(profileId, cancellationToken))!.Apply(p => p.ClaimSettled(key));
            }
        }

        if (lost is not null)
        {
            // The profile lets go of what another profile claimed first, unless it has absorbed that profile meanwhile.
            await LetGoAsync(session, profileId, [.. lost.Select(l => (l.Identifier.Identifier, l.Identifier.Key, l.Owner))], at, cancellationToken);
            throw new ResolutionRaceException($"another profile claimed {lost.Count} identifiers of message '{message.MessageId}' first");
        }
    }

    /// <summary>
    /// The profile lets go of identifiers whose entries another profile claimed first (unless it absorbed that profile
    /// meanwhile). Then each entry is read again: a move may have pointed it here meanwhile, relying on the link just
    /// undone. A mover reads the profile after moving the entry, this reads the entry after the profile's write, so one
    /// of the two always sees the other and the link is put back (<see cref="FollowAsync"/>).
    /// </summary>
    private static async Task LetGoAsync(ProfileSession session, string profileId, List<(Identifier Identifier, string Key, string Owner)> lost, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await session.WriteNowAsync(profileId, p => lost.Aggregate(false, (changed, l) => ((!p.Merged.Contains(l.Owner) && p.Unlink(l.Identifier)) | p.ClaimSettled(l.Key)) | changed), cancellationToken);
        foreach (var (identifier, key, _) in lost)
        {
            if (await session.RefreshOwnerAsync(key, cancellationToken) == profileId)
            {
                await session.WriteNowAsync(profileId, p => p.Link(identifier, at), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Links identifiers to a profile as it is now; throws <see cref="ResolutionRaceException"/> when one would give it
    /// more values of a type than the type's limit (another consumer linked one since the message was resolved).
    /// </summary>
    private static bool LinkWithinLimits(Profile profile, List<MessageIdentifier> identifiers, DateTimeOffset at, bool together)
    {
        var changed = false;
        foreach (var identifier in identifiers)
        {
            if (!profile.Holds(identifier.Identifier) && profile.CountOf(identifier.Type.Name) >= identifier.Type.Limit)
            {
                throw new ResolutionRaceException($"profile '{profile.Id}' holds {identifier.Type.Limit} {identifier.Type.Name} identifiers already");
            }

            changed |= profile.Link(identifier.Identifier, at, together);
        }

        return changed;
    }

    /// <summary>
    /// The live profile behind <paramref name="profileId"/>, following redirects; finishes any merge on the way
    /// whose absorb did not happen (a crash between steps 2 and 3). A profile that is claimed but not written
    /// (its creator's batch crashed, or is still running elsewhere) is started here at the message's time:
    /// whichever writes second finds it and adds its changes, so both converge on one profile.
    /// </summary>
    private async ValueTask<PendingProfile> RootAsync(ProfileSession session, string profileId, DateTimeOffset at, IReadOnlyList<MessageIdentifier> identifiers, CancellationToken cancellationToken)
    {
        // Claims follow the profile's write, so an owner not stored is a claim of an earlier version, or of a
        // profile erased since (its entries suppressed); it is started here, as it always was.
        var pending = await session.OpenAsync(profileId, at, cancellationToken);
        if (pending.Profile!.MergedInto is null)
        {
            return pending;
        }

        var chain = new List<PendingProfile>();
        while (pending.Profile!.MergedInto is { } next)
        {
            chain.Add(pending);
            if (chain.Count > ProfileRedirects.MaxHops)
            {
                throw new InvalidOperationException($"Profile '{profileId}' redirects more than {ProfileRedirects.MaxHops} times.");
            }

            // A survivor not written yet (a crash between its merge's redirect and absorb) is started here too.
            pending = await session.OpenAsync(next, at, cancellationToken);
        }

        // Nearest the survivor first: a profile further up the chain that the nearer one absorbed before it was merged
        // itself is then known to the survivor as merged, and is not absorbed (counted) a second time.
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            var merged = chain[i];

            // A chain left by a crash or a race (it was merged into a profile merged away meanwhile): one hop, first, while
            // the entries still name it, so that a crash in what follows leaves it to be followed again.
            if (merged.Profile!.MergedInto is { } next && next != pending.Id)
            {
                await RepointAsync(merged.Id, next, pending.Id, cancellationToken);
            }

            if (pending.Profile.Merged.Contains(merged.Id))
            {
                // Absorbed; the earlier redirects may not point at the survivor yet, nor the index entries all have
                // moved (a crash after step 3).
                await RepointEarlierAsync(merged.Profile!, pending.Id, cancellationToken);
                await MoveIndexEntriesAsync(session, merged.Profile!, pending.Id, identifiers, cancellationToken);
            }
            else
            {
                await AbsorbAsync(session, merged.Profile!, pending.Id, identifiers, cancellationToken);
            }
        }

        return pending;
    }

    private async ValueTask<PendingProfile?> HintAsync(ProfileSession session, Message message, DateTimeOffset at, CancellationToken cancellationToken) =>
        message.ProfileId is { Length: > 0 } hint && await session.LoadAsync(hint, cancellationToken) is { } hinted
            ? await RootAsync(session, hinted.Id, at, [], cancellationToken)
            : null;

    /// <summary>
    /// True when linking the kept identifiers to the profiles found would leave one profile with more values
    /// of a type than the type's limit (a profile already past it, from older rules, is not made worse).
    /// </summary>
    private bool BreaksLimit(List<MessageIdentifier> identifiers, PendingProfile?[] roots, List<int> kept)
    {
        if (AllHeldByOneProfile(identifiers, roots, kept))
        {
            // A known person's message: nothing is added, no limit can break.
            return false;
        }

        var candidates = kept.Where(i => roots[i] is not null).Select(i => roots[i]!.Profile!).DistinctBy(p => p.Id).ToList();
        foreach (var type in rules.Types)
        {
            var values = new HashSet<string>(StringComparer.Ordinal);
            var most = 0;
            foreach (var profile in candidates)
            {
                most = Math.Max(most, profile.ValuesOf(type.Name, values));
            }

            foreach (var i in kept)
            {
                if (identifiers[i].Type == type)
                {
                    values.Add(identifiers[i].Identifier.Value);
                }
            }

            if (values.Count > Math.Max(type.Limit, most))
            {
                return true;
            }
        }

        return false;
    }

    private static bool OneLiveProfile(PendingProfile?[] roots)
    {
        if (roots.Length == 0 || roots[0] is null)
        {
            return false;
        }

        foreach (var root in roots)
        {
            if (root != roots[0])
            {
                return false;
            }
        }

        return true;
    }

    private static bool AllHeldByOneProfile(IReadOnlyList<MessageIdentifier> identifiers, PendingProfile?[] roots, List<int> kept)
    {
        var first = roots[kept[0]];
        foreach (var i in kept)
        {
            if (roots[i] is null || roots[i] != first)
            {
                return false;
            }
        }

        return true;
    }

    private static int UnionCount(List<PendingProfile> candidates, List<MessageIdentifier> identifiers, List<int> kept) =>
        candidates.SelectMany(p => p.Profile!.Identifiers.Select(i => i.Identifier)).Concat(kept.Select(i => identifiers[i].Identifier)).Distinct().Count();

    /// <summary>Merges <paramref name="mergedId"/> into <paramref name="survivorId"/> (steps 1 to 4).</summary>
    private async Task MergeAsync(ProfileSession session, string mergedId, string survivorId, Message message, DateTimeOffset at, List<MessageIdentifier> shared, CancellationToken cancellationToken)
    {
        var types = shared.Select(s => s.Type.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        await ledger.AppendAsync(
            [new LedgerEntry(EntryId(LedgerEntry.Merge, survivorId, mergedId), survivorId, LedgerEntry.Merge, at, message.MessageId, "shared-identifier", types, [.. shared.Select(s => s.Key)], mergedId)],
            cancellationToken);
        // The merged-away profile is frozen only if, as it is now, its identifiers still fit the survivor's limits
        // (another consumer may have linked one to it since it was read); otherwise the message is resolved again.
        var survivor = (await session.LoadAsync(survivorId, cancellationToken))?.Profile;
        var merged = await session.WriteNowAsync(mergedId, p => FitsLimits(p, survivor) ? p.RedirectTo(survivorId) : throw new ResolutionRaceException($"profile '{mergedId}' changed and no longer fits '{survivorId}'"), cancellationToken);
        for (var into = survivorId; ;)
        {
            try
            {
                await AbsorbAsync(session, merged.Profile!, into, shared, cancellationToken);
                if (into != survivorId)
                {
                    throw new ResolutionRaceException($"profile '{survivorId}' was merged into '{into}' meanwhile");
                }

                break;
            }
            catch (ResolutionRaceException)
            {
                // The survivor was merged away meanwhile: the redirect just written would be two hops, and no profile's
                // merged list would name it (so no later merge would repoint it). It points at the live survivor instead,
                // which takes in the merged profile's content; then the message is resolved again.
                if (await profiles.LiveAsync(into, cancellationToken) is not { } live || live.Profile.Id == into)
                {
                    throw;
                }

                await RepointAsync(mergedId, into, live.Profile.Id, cancellationToken);
                into = live.Profile.Id;
            }
        }


        CdpMetrics.ProfilesMerged.Add(1);
        activity?.Merged(1);
        Logs.ProfilesMerged(logger, message.MessageId, mergedId, survivorId, types);
    }

    /// <summary>
    /// Points redirect <paramref name="redirectId"/> at the live survivor of <paramref name="to"/> if, as stored now, it
    /// points at <paramref name="from"/> or at a profile that leads to that survivor. Read and written here, not through the session: a redirect's content is frozen, and the
    /// session's copy may predate it (its writes refuse a profile merged away meanwhile).
    /// </summary>
    private async Task RepointAsync(string redirectId, string from, string to, CancellationToken cancellationToken)
    {
        // Always at the live survivor (a copy read earlier may name one merged away since), and a redirect another writer
        // pointed at a profile that has since led to the same survivor is pointed there too: never two hops.
        var root = (await profiles.LiveAsync(to, cancellationToken))?.Profile.Id ?? to;
        for (var attempt = 1; ; attempt++)
        {
            var stored = await profiles.GetAsync(redirectId, cancellationToken);
            if (stored?.Profile.MergedInto is not { } current || current == root
                || (current != from && (await profiles.LiveAsync(current, cancellationToken))?.Profile.Id != root)
                || !stored.Profile.Repoint(current, root)
                || await profiles.TryReplaceAsync(stored.Profile, stored.VersionTag, cancellationToken) is not null)
            {
                return;
            }

            if (attempt >= 10)
            {
                throw new ContentionException($"Redirect '{redirectId}' kept changing; giving up after {attempt} attempts.");
            }
        }
    }

    /// <summary>True when <paramref name="merged"/>'s identifiers joined to <paramref name="survivor"/>'s break no type's limit (not made worse).</summary>
    private bool FitsLimits(Profile merged, Profile? survivor)
    {
        if (survivor is null || merged.MergedInto is not null)
        {
            return true;
        }

        var values = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in rules.Types)
        {
            values.Clear();
            var most = Math.Max(survivor.ValuesOf(type.Name, values), merged.ValuesOf(type.Name, values));
            if (values.Count > Math.Max(type.Limit, most))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The survivor takes in a merged-away profile's frozen content (once), then the index entries move.</summary>
    private async Task AbsorbAsync(ProfileSession session, Profile merged, string survivorId, IReadOnlyList<MessageIdentifier> message, CancellationToken cancellationToken)
    {
        if ((await session.LoadAsync(survivorId, cancellationToken))?.Profile?.MergedInto is { } next)
        {
            // Read after it was merged away itself (a write of an older copy would meet the conflict instead): a redirect
            // takes in nothing, since its own survivor has absorbed it already and would never see what came later.
            throw new ResolutionRaceException($"profile '{survivorId}' was merged into '{next}' meanwhile");
        }

        await session.WriteNowAsync(survivorId, p => p.Absorb(merged, policy, type => rules.TypeOf(type).Limit), cancellationToken);
        await RepointEarlierAsync(merged, survivorId, cancellationToken);
        await MoveIndexEntriesAsync(session, merged, survivorId, message, cancellationToken);
    }

    /// <summary>
    /// Redirects stay one hop: the profiles merged into <paramref name="merged"/> before now point at its survivor. Done
    /// before the index entries move, so that a crash leaves an entry naming the merged profile, and the redelivered
    /// message, following it, does this again (<see cref="RootAsync"/>).
    /// </summary>
    private async Task RepointEarlierAsync(Profile merged, string survivorId, CancellationToken cancellationToken)
    {
        foreach (var earlier in merged.Merged)
        {
            await RepointAsync(earlier, merged.Id, survivorId, cancellationToken);
        }
    }

    /// <summary>
    /// Points the index entries that still name the merged-away profile at the survivor (each a conditional
    /// move). The message's own identifiers move last: if a crash stops the moves, the redelivered message
    /// still meets the redirect, and following it finishes the moves.
    /// </summary>
    private async Task MoveIndexEntriesAsync(ProfileSession session, Profile merged, string survivorId, IReadOnlyList<MessageIdentifier> message, CancellationToken cancellationToken)
    {
        var survivor = (await session.LoadAsync(survivorId, cancellationToken))?.Profile;
        var held = merged.Identifiers.Select(held => (held.Identifier, Key: rules.KeyOf(held.Identifier))).OrderBy(h => message.Any(m => m.Key == h.Key));
        foreach (var (identifier, key) in held)
        {
            // An entry the session saw unclaimed is read afresh: another consumer may have claimed it for the merged profile since.
            var owner = await session.OwnerAsync(key, cancellationToken) ?? await session.RefreshOwnerAsync(key, cancellationToken);
            if (owner is not null && owner != merged.Id)
            {
                continue;
            }

            if (survivor is null || survivor.Holds(identifier))
            {
                await session.ReassignAsync(key, merged.Id, survivorId, cancellationToken);
                continue;
            }

            // The survivor could not take it (another consumer linked one of its type meanwhile): it goes to a profile
            // of its own, derived from the merged one, so no index entry names a profile that does not hold it.
            var splitId = NewProfileId(merged.Id + "/split");
            await session.OpenAsync(splitId, merged.CreatedAt, cancellationToken);
            // It knows the merged profile's recent messages (counted by the survivor): redelivered, they resolve here and must not count again.
            await session.WriteNowAsync(splitId, p => p.Link(identifier, merged.UpdatedAt) | p.RecallRecent(merged, policy.RecentMessages), cancellationToken);
            await session.ReassignAsync(key, merged.Id, splitId, cancellationToken);
        }
    }

    /// <summary>
    /// Moves a device identifier the limits kept off <paramref name="holder"/>'s person to <paramref name="profileId"/>,
    /// when the message is the later sighting and the profile has room. True when it now belongs to <paramref name="profileId"/>.
    /// </summary>
    private async Task<bool> MoveAsync(ProfileSession session, MessageIdentifier identifier, PendingProfile? holder, string profileId, Message message, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var target = await session.LoadAsync(profileId, cancellationToken);
        if (target?.Profile is { } profile && profile.Holds(identifier.Identifier))
        {
            // Linked before, up to the index (a crash before the entry was claimed or moved): the entry follows now, if
            // the profiles as stored now still say so (this session's copies may be older than the index it read);
            // otherwise this is a move like any other.
            if ((await profiles.GetAsync(profileId, cancellationToken))?.Profile.Holds(identifier.Identifier) == true
                && (holder is null || holder.Id == profileId || (await profiles.GetAsync(holder.Id, cancellationToken))?.Profile.Holds(identifier.Identifier) != true))
            {
                var owner = await session.RefreshOwnerAsync(identifier.Key, cancellationToken);
                if (owner is null)
                {
                    await LinkThenClaimAsync(session, profileId, [identifier], together: true, message, at, cancellationToken, part: identifier.Key);
                }
                else if (owner != profileId && owner != holder?.Id && (await profiles.LiveAsync(owner, cancellationToken))?.Profile.Holds(identifier.Identifier) == true)
                {
                    // Another consumer moved it from this profile since it was read above (it links the device to the
                    // other profile before the entry follows): that profile holds it now.
                    throw new ResolutionRaceException($"a {identifier.Type.Name} identifier moved meanwhile");
                }
                else if (owner != profileId && await session.ReassignAsync(identifier.Key, owner, profileId, cancellationToken) != profileId)
                {
                    throw new ResolutionRaceException($"a {identifier.Type.Name} identifier moved meanwhile");
                }

                return true;
            }
        }
        else if (target?.Profile is { } full && full.CountOf(identifier.Type.Name) >= identifier.Type.Limit)
        {
            return false;
        }

        if (holder is null)
        {
            await LinkThenClaimAsync(session, profileId, [identifier], together: true, message, at, cancellationToken, part: identifier.Key);
            return true;
        }

        // The later link wins (by event time, so the outcome does not depend on the order of processing). Only
        // links count (a login with the device), not anonymous sightings, which went to whoever held it then.
        if (holder.Profile!.LastLinked(identifier.Identifier) is { } linked && linked >= at)
        {
            return false;
        }

        if (holder.Profile.Identifiers.Count == 1 && holder.Profile.Holds(identifier.Identifier))
        {
            // The device is all that names the holder (anonymous history): moving it away would leave a profile no
            // identifier reaches, so it stays (dropped from this message, as any identifier past a limit).
            return false;
        }

        await ledger.AppendAsync(
            [new LedgerEntry(EntryId(LedgerEntry.Move, profileId, identifier.Key, message.MessageId), profileId, LedgerEntry.Move, at, message.MessageId, "follows-latest", [identifier.Type.Name], [identifier.Key], holder.Id)],
            cancellationToken);
        // The holder lets go, keeping the forwarding address: from now on a message with the device goes to the profile.
        // Only while it holds the device as stored now (or was never stored, or is the profile itself and moves it
        // nowhere): one that let go already did so for another consumer's move, which may be over and followed by a move
        // back to it (the entry naming it again), so a move from it now would leave the device on two profiles. Resolved
        // again, the message sees where the device is.
        var unstored = holder.Stored is null;
        var left = await session.WriteNowAsync(
            holder.Id,
            p => p.Holds(identifier.Identifier) || unstored || (holder.Id == profileId && !p.Moving.ContainsKey(identifier.Key))
                ? p.Unlink(identifier.Identifier, identifier.Key, profileId)
                : throw new ResolutionRaceException($"profile '{holder.Id}' let go of a {identifier.Type.Name} identifier meanwhile"),
            cancellationToken);
        if (left.Profile!.Claiming.Count > 0)
        {
            // Written over another writer's claim not seen through (read again on a conflict, so not settled when this
            // session first read the holder): that writer may have crashed and, resolved again after this move, never
            // come back here, so it is settled now, as any reader of the profile would.
            await SettleClaimsAsync(session, left, cancellationToken);
        }
        await session.OpenAsync(profileId, at, cancellationToken);
        // From the entry's owner as the index has it (the holder, or a profile merged into it whose entry has not moved yet).
        var from = await session.OwnerAsync(identifier.Key, cancellationToken) ?? holder.Id;
        await FollowAsync(session, identifier, from, left, profileId, at, cancellationToken);

        CdpMetrics.IdentifiersMoved.Add(1);
        Logs.IdentifierMoved(logger, message.MessageId, identifier.Type.Name, holder.Id, profileId);
        return true;
    }

    /// <summary>
    /// Finishes a device's move to <paramref name="toProfileId"/> that its holder started (it let go and kept the
    /// forwarding address) but whose entry still names <paramref name="owner"/>.
    /// </summary>
    private async Task FinishMoveAsync(ProfileSession session, MessageIdentifier identifier, string owner, PendingProfile holder, string toProfileId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var target = await RootAsync(session, toProfileId, at, [], cancellationToken);
        try
        {
            await FollowAsync(session, identifier, owner, holder, target.Id, at, cancellationToken);
        }
        catch (ResolutionRaceException) when (target.Profile!.CountOf(identifier.Type.Name) >= identifier.Type.Limit && !target.Profile.Holds(identifier.Identifier))
        {
            // The profile it was moving to has no room left for it: the holder takes it back.
            await session.WriteNowAsync(holder.Id, p => p.Link(identifier.Identifier, at) | p.MoveSettled(identifier.Key), cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// The second half of a move: the profile takes the device (marked until its entry follows) and learns the recent
    /// messages of the holder, which let go of it (counted there, a redelivery now resolves here and must not count
    /// again); then the entry moves from <paramref name="from"/>.
    /// </summary>
    private async Task FollowAsync(ProfileSession session, MessageIdentifier identifier, string from, PendingProfile holder, string profileId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        // The holder's messages as written (it let go of the device first, so nothing is counted there with it since):
        // this session's copy may hold messages of the batch applied but not written, which a retry applies elsewhere.
        var written = (await profiles.GetAsync(holder.Id, cancellationToken))?.Profile;
        await session.WriteNowAsync(profileId, p => LinkWithinLimits(p, [identifier], at, together: true) | p.MarkClaiming(identifier.Key) | (written is not null && p.RecallRecent(written, policy.RecentMessages)), cancellationToken);
        if (await session.ReassignAsync(identifier.Key, from, profileId, cancellationToken) != profileId)
        {
            await session.WriteNowAsync(profileId, p => p.Unlink(identifier.Identifier) | p.ClaimSettled(identifier.Key), cancellationToken);
            holder.Apply(p => p.MoveSettled(identifier.Key));
            throw new ResolutionRaceException($"a {identifier.Type.Name} identifier moved meanwhile");
        }

        if (from != profileId && (await profiles.GetAsync(from, cancellationToken))?.Profile is { MergedInto: null } again && again.Holds(identifier.Identifier))
        {
            // The entry is compared by owner: it named 'from' again because the device moved on and back meanwhile (the
            // profile it left holds it again), not because this move is due. Undone, and the message resolved again.
            await session.ReassignAsync(identifier.Key, profileId, from, cancellationToken);
            await session.WriteNowAsync(profileId, p => p.Unlink(identifier.Identifier) | p.ClaimSettled(identifier.Key), cancellationToken);
            holder.Apply(p => p.MoveSettled(identifier.Key));
            throw new ResolutionRaceException($"a {identifier.Type.Name} identifier moved back meanwhile");
        }

        // The profile as stored now must hold it: a consumer that lost a claim of it may have let go of the link this
        // move relied on; it reads the entry after its write, this reads the profile after the move (LetGoAsync). Not
        // when another consumer has moved it on since (the profile let go of it for that move, or the entry names
        // another profile): taking it back would leave it on two profiles.
        var pending = (await session.LoadAsync(profileId, cancellationToken))!;
        var stored = (await profiles.GetAsync(profileId, cancellationToken))?.Profile;
        if (stored?.Holds(identifier.Identifier) != true && MovingTo(stored, identifier.Key) is null
            && await session.RefreshOwnerAsync(identifier.Key, cancellationToken) == profileId)
        {
            await session.RefreshAsync(pending, cancellationToken);
            await session.WriteNowAsync(profileId, p => p.Link(identifier.Identifier, at, together: true), cancellationToken);
        }

        pending.Apply(p => p.ClaimSettled(identifier.Key));
        holder.Apply(p => p.MoveSettled(identifier.Key));
    }

    /// <summary>A ledger entry's id, derived from what it records, so that a replay writes the same entry.</summary>
    internal static string EntryId(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))), 0, 16);
}
