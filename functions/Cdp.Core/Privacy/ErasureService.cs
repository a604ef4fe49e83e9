using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.DeadLetters;
using Cdp.Core.Identity;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Privacy;

/// <summary>
/// Erasure of a person: requested by profile id or by identifier, recorded with everything it covers, then run as
/// idempotent steps in order (<see cref="Steps"/>), each recorded when done with how many items it removed:
/// <list type="number">
/// <item><c>suppress</c>: the person's index entries are given to <see cref="IdentitySuppression.Owner"/>, so
/// events still arriving for those identifiers do not re-create the person (keyed hashes only).</item>
/// <item><c>journeys</c>: running instances terminated, their runtime history purged, their records deleted.</item>
/// <item><c>events</c>, <c>ledger</c>, <c>segments</c> (transitions and membership): every profile id's.</item>
/// <item><c>deadLetters</c>: letters mentioning a profile id of the person, or a value that normalizes (as ingest
/// does) to one of their identifiers' keys; a batch keeps its other messages.</item>
/// <item><c>messages</c>: the same, in the raw messages the host keeps after processing them (<see cref="IRetainedMessages"/>:
/// the local event log; none in the cloud, where Event Hubs cannot delete an event).</item>
/// <item><c>dataKeys</c>: each profile's data key (crypto-shredding: encrypted copies anywhere become unreadable).</item>
/// <item><c>profiles</c>: every profile deleted (tombstones reach the change feed); identifiers linked meanwhile are
/// suppressed first.</item>
/// </list>
/// A crash between steps resumes at the first step not recorded; a step run twice removes nothing more.
/// </summary>
public sealed class ErasureService(
    IdentityRules rules,
    IIdentityIndex index,
    IProfileStore profiles,
    IIdentityLedger ledger,
    IProfileEventStore events,
    ISegmentTransitions transitions,
    IJourneyInstances instances,
    IDeadLetterStore deadLetters,
    IRetainedMessages retained,
    PersonalDataProtector protector,
    IErasureStore store,
    TimeProvider time,
    ILogger<ErasureService> logger)
{
    public const string Suppress = "suppress";
    public const string Journeys = "journeys";
    public const string Events = "events";
    public const string Ledger = "ledger";
    public const string Segments = "segments";
    public const string DeadLetters = "deadLetters";
    public const string Messages = "messages";
    public const string DataKeys = "dataKeys";
    public const string Profiles = "profiles";

    /// <summary>The steps, in the order they run.</summary>
    public static IReadOnlyList<string> Steps { get; } = [Suppress, Journeys, Events, Ledger, Segments, DeadLetters, Messages, DataKeys, Profiles];

    /// <summary>The most dead letters an erasure reads (an admin scan; dead letters are replayed or pruned well before).</summary>
    public const int MaxDeadLettersScanned = 100_000;

    /// <summary>
    /// Records an erasure of the person <paramref name="profileId"/> belongs to (following merges); null when there
    /// is no such profile. Asking again while it runs, or after, returns the same erasure (<c>Created</c> false).
    /// </summary>
    public async Task<(Erasure Erasure, bool Created)?> RequestForProfileAsync(string profileId, string? reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(profileId);
        if (await profiles.LiveAsync(profileId, cancellationToken) is not { } live)
        {
            return await store.GetAsync(IdFor("profile", profileId), cancellationToken) is { } earlier ? (earlier.Erasure, false) : null;
        }

        return await RequestAsync(live.Profile, "profile:" + live.Profile.Id, reason, cancellationToken);
    }

    /// <summary>
    /// Records an erasure of whoever holds <paramref name="identifier"/>; when nobody does, an erasure that only
    /// suppresses it (so the person is never created from it).
    /// </summary>
    public async Task<(Erasure Erasure, bool Created)> RequestForIdentifierAsync(Identifier identifier, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var key = rules.KeyOf(identifier);
        var owner = await index.FindAsync(key, cancellationToken);
        if (owner is not null && !IdentitySuppression.IsSuppressed(owner) && await profiles.LiveAsync(owner, cancellationToken) is { } live)
        {
            return await RequestAsync(live.Profile, "profile:" + live.Profile.Id, reason, cancellationToken);
        }

        var erasure = new Erasure(IdFor("identifier", key), "identifier:" + identifier.Type, ErasureStatus.Running, time.GetUtcNow(), [], [key], [], [], reason);
        return await CreateOnceAsync(erasure, cancellationToken);
    }

    public async Task<Erasure?> GetAsync(string erasureId, CancellationToken cancellationToken) =>
        (await store.GetAsync(erasureId, cancellationToken))?.Erasure;

    /// <summary>Erasures not completed yet (to start again after a restart).</summary>
    public async Task<IReadOnlyList<Erasure>> UnfinishedAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListAsync(cancellationToken)).Where(e => e.Status != ErasureStatus.Completed)];

    /// <summary>Runs every step not done yet, then completes the erasure (the receipt).</summary>
    public async Task<Erasure> RunAsync(string erasureId, IJourneyRuntime runtime, CancellationToken cancellationToken)
    {
        foreach (var step in Steps)
        {
            await RunStepAsync(erasureId, step, runtime, cancellationToken);
        }

        return await CompleteAsync(erasureId, cancellationToken);
    }

    /// <summary>
    /// Runs one step unless it is recorded as done; records it. How many items it removed (0 when done before). The
    /// person is resolved again first (<see cref="CoverAsync"/>): profiles that joined them since the request are
    /// added, and the steps already done are run for those too.
    /// </summary>
    public async Task<int> RunStepAsync(string erasureId, string step, IJourneyRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var stored = await store.GetAsync(erasureId, cancellationToken) ?? throw new InvalidOperationException($"There is no erasure '{erasureId}'.");
        if (stored.Erasure.Status == ErasureStatus.Completed)
        {
            return 0;
        }

        var (erasure, joined) = await CoverAsync(stored.Erasure, cancellationToken);
        if (joined is not null)
        {
            foreach (var done in Steps.Where(erasure.Done))
            {
                await WorkAsync(done, joined, runtime, cancellationToken);
            }
        }

        if (erasure.Done(step))
        {
            return 0;
        }

        var removed = await WorkAsync(step, erasure, runtime, cancellationToken);
        await UpdateAsync(erasureId, e => e.Done(step) ? e : e with { Steps = [.. e.Steps, new ErasureStepDone(step, removed, time.GetUtcNow())] }, cancellationToken);
        Logs.ErasureStepDone(logger, erasureId, step, removed);
        return removed;
    }

    /// <summary>
    /// The person as they are now: the recorded profiles, the profile each was merged into since (an older one they
    /// joined), and every profile merged into those (a device that joined them), with all their identifiers' keys.
    /// When that is more than recorded, the record grows (the survivor first, so that it is deleted last) and the
    /// part that joined is returned, to run the steps already done over it.
    /// </summary>
    private async Task<(Erasure Erasure, Erasure? Joined)> CoverAsync(Erasure erasure, CancellationToken cancellationToken)
    {
        if (erasure.Done(DataKeys))
        {
            // The keys are shredded: the profiles' values no longer read (their identifiers were covered before).
            return (erasure, null);
        }

        var ids = new List<string>(erasure.ProfileIds);
        var keys = new List<string>(erasure.IdentifierKeys);
        var seen = new HashSet<string>(ids, StringComparer.Ordinal);
        var known = new HashSet<string>(keys, StringComparer.Ordinal);
        for (var queue = new Queue<string>(ids); queue.TryDequeue(out var id);)
        {
            if (await profiles.GetAsync(id, cancellationToken) is not { Profile: var profile })
            {
                continue; // deleted already (or never written)
            }

            keys.AddRange(profile.Identifiers.Select(i => rules.KeyOf(i.Identifier)).Where(known.Add));
            if (profile.MergedInto is { } survivor && seen.Add(survivor))
            {
                ids.Insert(0, survivor);
                queue.Enqueue(survivor);
            }

            foreach (var merged in profile.Merged.Where(seen.Add))
            {
                ids.Add(merged);
                queue.Enqueue(merged);
            }
        }

        if (ids.Count == erasure.ProfileIds.Count && keys.Count == erasure.IdentifierKeys.Count)
        {
            return (erasure, null);
        }

        var newIds = ids.Except(erasure.ProfileIds, StringComparer.Ordinal).ToList();
        var grown = await UpdateAsync(
            erasure.Id,
            e => e with
            {
                ProfileIds = [.. e.ProfileIds.Union(ids, StringComparer.Ordinal).OrderBy(i => ids.IndexOf(i))],
                IdentifierKeys = [.. e.IdentifierKeys.Union(keys, StringComparer.Ordinal)],
                Mentions = [.. (e.Mentions ?? []).Union(newIds, StringComparer.Ordinal)],
            },
            cancellationToken);
        Logs.ErasureGrew(logger, erasure.Id, newIds.Count, keys.Count - erasure.IdentifierKeys.Count);
        var joined = grown with { ProfileIds = newIds, IdentifierKeys = [.. keys.Except(erasure.IdentifierKeys, StringComparer.Ordinal)], Mentions = newIds };
        return (grown, joined);
    }

    /// <summary>What one step does over <paramref name="erasure"/>'s profiles and keys; how many items it removed.</summary>
    private async Task<int> WorkAsync(string step, Erasure erasure, IJourneyRuntime runtime, CancellationToken cancellationToken) =>
        step switch
        {
            Suppress => await SuppressAsync(erasure.ProfileIds, erasure.IdentifierKeys, cancellationToken),
            Journeys => await EraseJourneysAsync(erasure.ProfileIds, runtime, cancellationToken),
            Events => await SumAsync(erasure.ProfileIds, id => events.DeleteAsync(id, cancellationToken)),
            Ledger => await SumAsync(erasure.ProfileIds, id => ledger.DeleteAsync(id, cancellationToken)),
            Segments => await SumAsync(erasure.ProfileIds, id => transitions.DeleteForProfileAsync(id, cancellationToken)),
            DeadLetters => await EraseDeadLettersAsync(new PersonMentions(rules, erasure.Mentions ?? [], erasure.IdentifierKeys), cancellationToken),
            Messages => await retained.RemoveAsync(new PersonMentions(rules, erasure.Mentions ?? [], erasure.IdentifierKeys).In, cancellationToken),
            DataKeys => await SumAsync(erasure.ProfileIds, async id => await protector.ShredAsync(id, cancellationToken) ? 1 : 0),
            Profiles => await DeleteProfilesAsync(erasure, cancellationToken),
            _ => throw new ArgumentException($"'{step}' is not an erasure step.", nameof(step)),
        };

    /// <summary>Marks the erasure completed once every step is done, forgetting the raw values it held (the receipt remains).</summary>
    public async Task<Erasure> CompleteAsync(string erasureId, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(erasureId, cancellationToken) is { Erasure: { Status: not ErasureStatus.Completed } running } && Steps.All(running.Done))
        {
            await VerifyAsync(running, cancellationToken);
        }

        var completed = await UpdateAsync(
            erasureId,
            e => e.Status == ErasureStatus.Completed ? e
                : Steps.All(e.Done) ? e with { Status = ErasureStatus.Completed, Mentions = null, CompletedAt = time.GetUtcNow() }
                : throw new InvalidOperationException($"Erasure '{erasureId}' has steps not done: {string.Join(", ", Steps.Where(s => !e.Done(s)))}."),
            cancellationToken);
        Logs.ErasureCompleted(logger, erasureId);
        return completed;
    }

    /// <summary>
    /// The check before the receipt: none of the person's profiles is stored, and each of their identifiers' index
    /// entries is suppressed (or names another person it moved to since). Otherwise the completion fails and is retried.
    /// </summary>
    private async Task VerifyAsync(Erasure erasure, CancellationToken cancellationToken)
    {
        var left = new List<string>();
        foreach (var id in erasure.ProfileIds)
        {
            if (await profiles.GetAsync(id, cancellationToken) is not null)
            {
                left.Add("profile " + id);
            }
        }

        foreach (var key in erasure.IdentifierKeys)
        {
            var owner = await index.FindAsync(key, cancellationToken);
            if (!IdentitySuppression.IsSuppressed(owner) && (owner is null || erasure.ProfileIds.Contains(owner)))
            {
                left.Add($"index entry {key} ({owner ?? "unclaimed"})");
            }
        }

        if (left.Count > 0)
        {
            throw new InvalidOperationException($"Erasure '{erasure.Id}' is not complete: {string.Join(", ", left)} still there.");
        }
    }

    private async Task<(Erasure Erasure, bool Created)> RequestAsync(Profile live, string subject, string? reason, CancellationToken cancellationToken)
    {
        var ids = new List<string> { live.Id };
        var identifiers = new List<Identifier>(live.Identifiers.Select(i => i.Identifier));
        foreach (var merged in live.Merged)
        {
            ids.Add(merged);
            if (await profiles.GetAsync(merged, cancellationToken) is { } redirect)
            {
                identifiers.AddRange(redirect.Profile.Identifiers.Select(i => i.Identifier));
            }
        }

        identifiers = [.. identifiers.Distinct()];
        var erasure = new Erasure(
            IdFor("profile", live.Id),
            subject,
            ErasureStatus.Running,
            time.GetUtcNow(),
            ids,
            [.. identifiers.Select(rules.KeyOf).Distinct(StringComparer.Ordinal)],
            ids,
            [],
            reason);
        return await CreateOnceAsync(erasure, cancellationToken);
    }

    private async Task<(Erasure Erasure, bool Created)> CreateOnceAsync(Erasure erasure, CancellationToken cancellationToken)
    {
        if (await store.TryPutAsync(erasure, null, cancellationToken) is not null)
        {
            Logs.ErasureRequested(logger, erasure.Id, erasure.Subject, erasure.ProfileIds.Count, erasure.IdentifierKeys.Count);
            return (erasure, true);
        }

        return ((await store.GetAsync(erasure.Id, cancellationToken))!.Erasure, false);
    }

    /// <summary>Gives each key that the person holds (or nobody does) to the suppression owner; how many it took.</summary>
    private async Task<int> SuppressAsync(IReadOnlyList<string> profileIds, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var suppressed = 0;
        foreach (var key in keys)
        {
            var owner = await index.FindAsync(key, cancellationToken);
            if (IdentitySuppression.IsSuppressed(owner))
            {
                continue;
            }

            // A device identifier that moved on to someone else since is theirs now; it is not the person's to erase.
            var after = owner is null ? await index.ClaimAsync(key, IdentitySuppression.Owner, cancellationToken)
                : profileIds.Contains(owner) ? await index.ReassignAsync(key, owner, IdentitySuppression.Owner, cancellationToken)
                : owner;
            suppressed += after == IdentitySuppression.Owner ? 1 : 0;
        }

        return suppressed;
    }

    private Task<int> EraseJourneysAsync(IReadOnlyList<string> profileIds, IJourneyRuntime runtime, CancellationToken cancellationToken) =>
        SumAsync(profileIds, id => JourneyErasure.EraseAsync(instances, runtime, id, cancellationToken));

    /// <summary>
    /// Removes the dead letters that mention the person (a profile id, or a value that normalizes to one of their
    /// identifiers, see <see cref="PersonMentions"/>); a batch that also holds others' messages keeps those.
    /// </summary>
    private async Task<int> EraseDeadLettersAsync(PersonMentions wanted, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var letter in await deadLetters.ListAsync(MaxDeadLettersScanned, cancellationToken))
        {
            var body = ParseOrNull(letter.Body);
            if (body is JsonObject { } root && root["batch"] is JsonArray batch && batch.Count > 1)
            {
                var others = batch.Where(m => !wanted.In(m)).Select(m => m?.DeepClone()).ToList();
                if (others.Count == batch.Count)
                {
                    continue;
                }

                // The others' letter is written (under an id derived from what it keeps) before the original goes, so a
                // crash in between loses nothing: the rerun writes the same letter again and removes the original.
                if (others.Count > 0)
                {
                    root["batch"] = new JsonArray([.. others]);
                    var kept = root.ToJsonString();
                    await deadLetters.AddAsync(letter with { Id = letter.Id + "-" + Ingest.IProcessedMessageLog.KeyFor(letter.Id, kept), Body = kept }, cancellationToken);
                }

                await deadLetters.RemoveAsync(letter.Id, cancellationToken);
                removed++;
            }
            else if (body is null ? wanted.InText(letter.Body) : wanted.In(body))
            {
                await deadLetters.RemoveAsync(letter.Id, cancellationToken);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Deletes every profile of the person, the live one last; identifiers it gained meanwhile are suppressed first.</summary>
    private async Task<int> DeleteProfilesAsync(Erasure erasure, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var id in erasure.ProfileIds.Reverse())
        {
            for (var attempt = 0; await profiles.GetAsync(id, cancellationToken) is { } stored; attempt++)
            {
                if (attempt == 10)
                {
                    throw new InvalidOperationException($"Profile '{id}' kept changing during its erasure.");
                }

                await SuppressAsync(erasure.ProfileIds, stored.Profile.Identifiers.Select(i => rules.KeyOf(i.Identifier)), cancellationToken);
                if (await profiles.TryDeleteAsync(stored, time.GetUtcNow(), cancellationToken))
                {
                    deleted++;
                }
            }
        }

        return deleted;
    }

    private async Task<Erasure> UpdateAsync(string erasureId, Func<Erasure, Erasure> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stored = await store.GetAsync(erasureId, cancellationToken) ?? throw new InvalidOperationException($"There is no erasure '{erasureId}'.");
            var changed = change(stored.Erasure);
            if (ReferenceEquals(changed, stored.Erasure) || await store.TryPutAsync(changed, stored.VersionTag, cancellationToken) is not null)
            {
                return changed;
            }

            if (attempt == 10)
            {
                throw new InvalidOperationException($"Erasure '{erasureId}' kept changing; giving up.");
            }
        }
    }

    private static async Task<int> SumAsync(IEnumerable<string> ids, Func<string, Task<int>> remove)
    {
        var sum = 0;
        foreach (var id in ids)
        {
            sum += await remove(id);
        }

        return sum;
    }

    private static JsonNode? ParseOrNull(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An erasure's id: a hash of what it erases, so that asking twice finds one erasure.</summary>
    private static string IdFor(string kind, string subject) =>
        "er_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(kind + "\n" + subject)), 0, 12);
}
