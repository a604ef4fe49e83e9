using System.Text.Json;
using Cdp.Core.Consents;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Ingest;

/// <summary>
/// Ingest: for each message of a batch, in order, skips it if it was applied before, resolves its profile
/// (<see cref="IdentityResolver"/>: claims, merges, moves; a message of an erased person is dropped or
/// anonymized by <see cref="ErasedIdentifiers"/>), links its identifiers, and applies it (<see cref="MessageApplier"/>:
/// consent, traits, counters). At the end of the batch it records the ledger's links and the events, writes each
/// changed profile once, and records the messages as applied. A message that cannot be processed becomes a dead
/// letter (<see cref="IngestDeadLetters"/>).
/// </summary>
/// <remarks>
/// Idempotent: besides the processed-message log, each profile remembers the messages recently applied to
/// it (so a batch replayed after a crash between the profile write and the log write counts nothing twice),
/// ledger entries and events have ids derived from what they record, and a new profile's id is derived from
/// the message id. When identity changed under the batch (a profile it used was merged away by another
/// consumer), the batch is resolved again from the stores; store failures propagate, so the caller
/// redelivers the batch.
/// </remarks>
public sealed class IngestService(
    IdentityResolver resolver,
    MergePolicy policy,
    IIdentityLedger ledger,
    IProfileEventStore events,
    IProcessedMessageLog processed,
    IDeadLetterStore deadLetters,
    TimeProvider time,
    ILogger<IngestService> logger,
    IOptions<ConsentOptions>? consent = null,
    IOptions<PrivacyOptions>? privacy = null,
    TransientFailures? failures = null,
    IOptions<IngestOptions>? options = null,
    Activity.ActivityCounters? activity = null)
{
    private readonly int _concurrentGroups = Math.Max(1, options?.Value.ConcurrentGroups ?? new IngestOptions().ConcurrentGroups);
    private readonly TransientFailures _failures = failures ?? TransientFailures.BuiltIn;
    private readonly IngestDeadLetters _deadLetters = new(deadLetters, time, logger, activity);
    private readonly ErasedIdentifiers _erased = new(privacy?.Value.Suppression ?? SuppressionMode.Drop, logger);
    private readonly MessageApplier _applier = new(policy, new TraitPurposes(consent?.Value.TraitPurposes));

    /// <summary>How many times a message whose processing fails deterministically is tried alone before it becomes a dead letter.</summary>
    public const int MaxMessageAttempts = 3;

    private const int MaxResolutionAttempts = 5;

    /// <summary>A message to apply, its processed-message key and its identifiers.</summary>
    internal sealed record Work(Message Message, string Key, List<MessageIdentifier> Identifiers);

    /// <summary>
    /// Processes a batch in order. Throws when a store fails transiently (<see cref="TransientFailures"/>): the caller
    /// redelivers the batch. Any other failure is contained: the batch's messages are processed one by one, and a
    /// message that still fails after <see cref="MaxMessageAttempts"/> tries becomes a dead letter naming the failure,
    /// so the partition moves on. The summary counts profiles written, repeats skipped and dead letters.
    /// </summary>
    public async Task<IngestSummary> ProcessAsync(IReadOnlyList<Message> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await policy.RefreshSourcesAsync(cancellationToken);
        try
        {
            return await ProcessInOrderAsync(batch, cancellationToken);
        }
        catch (Exception ex) when (!_failures.IsTransient(ex))
        {
            CdpMetrics.BatchesIsolated.Add(1);
            Logs.BatchIsolating(logger, ex, batch.Count);
        }

        var summary = new IngestSummary(batch.Count, 0);
        foreach (var message in batch)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var one = await ProcessInOrderAsync([message], cancellationToken);
                    summary = summary with { ProfilesChanged = summary.ProfilesChanged + one.ProfilesChanged, Duplicates = summary.Duplicates + one.Duplicates, DeadLettered = summary.DeadLettered + one.DeadLettered };
                    break;
                }
                catch (Exception ex) when (!_failures.IsTransient(ex))
                {
                    Logs.MessageFailed(logger, ex, message.MessageId, attempt, MaxMessageAttempts);
                    if (attempt == MaxMessageAttempts)
                    {
                        await _deadLetters.KeepAsync(message, $"Processing failed {MaxMessageAttempts} times: {ex.GetType().Name}: {ex.Message}", cancellationToken);
                        summary = summary with { DeadLettered = summary.DeadLettered + 1 };
                        break;
                    }
                }
            }
        }

        return summary;
    }

    private async Task<IngestSummary> ProcessInOrderAsync(IReadOnlyList<Message> batch, CancellationToken cancellationToken)
    {
        var duplicates = 0;
        var deadLettered = 0;
        var keys = batch.Select(m => IProcessedMessageLog.KeyFor(m.SourceId, m.MessageId)).ToList();
        var seen = new HashSet<string>(await processed.FindAsync(keys, cancellationToken), StringComparer.Ordinal);
        var work = new List<Work>(batch.Count);
        var known = new IdentifierCache();
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i];
            if (!seen.Add(keys[i]))
            {
                duplicates++;
                CdpMetrics.DuplicatesSkipped.Add(1, KeyValuePair.Create<string, object?>("source", message.SourceId));
                continue;
            }

            var identifiers = resolver.IdentifiersOf(message, known);
            if (Unprocessable(message, identifiers) is { } reason)
            {
                // Not recorded as applied: once fixed and replayed, the same message id must go through.
                await _deadLetters.KeepAsync(message, reason, cancellationToken);
                deadLettered++;
                continue;
            }

            work.Add(new Work(message, keys[i], identifiers));
        }

        var changed = work.Count == 0 ? 0 : await ApplyAsync(work, cancellationToken);
        if (work.Count > 0)
        {
            await processed.AddAsync([.. work.Select(w => w.Key)], time.GetUtcNow(), cancellationToken);
        }

        activity?.Applied(work.Count);
        CdpMetrics.Applied.Add(work.Count);
        Logs.BatchIngested(logger, batch.Count, changed, duplicates, deadLettered);
        return new IngestSummary(batch.Count, changed, duplicates, deadLettered);
    }

    /// <summary>
    /// Processes a batch of events as the stream delivered them (JSON messages). An event that is not a
    /// readable message becomes a dead letter with its raw body; the rest are processed in order.
    /// </summary>
    public async Task<IngestSummary> ProcessJsonAsync(IReadOnlyList<string> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var messages = new List<Message>(events.Count);
        var unreadable = 0;
        foreach (var body in events)
        {
            Message? message;
            try
            {
                message = JsonSerializer.Deserialize<Message>(body, CdpJson.Options);
            }
            catch (JsonException ex)
            {
                await _deadLetters.KeepUnreadableAsync(body, $"The event is not a readable message: {ex.Message}", cancellationToken);
                unreadable++;
                continue;
            }

            if (message is null || string.IsNullOrEmpty(message.MessageId))
            {
                await _deadLetters.KeepUnreadableAsync(body, "The event is not a message (null, or no messageId).", cancellationToken);
                unreadable++;
                continue;
            }

            messages.Add(message);
        }

        var summary = await ProcessAsync(messages, cancellationToken);
        return summary with { Messages = events.Count, DeadLettered = summary.DeadLettered + unreadable };
    }

    /// <summary>
    /// Resolves a message's profile before the collector replies (early binding): claims, merges and moves are
    /// written and the identifiers linked; traits and counters wait for ingest, which finds the same profile.
    /// Null when the message has no usable identifier (ingest will keep it as a dead letter).
    /// </summary>
    public async Task<string?> BindAsync(Message message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var identifiers = resolver.IdentifiersOf(message);
        if (Unprocessable(message, identifiers) is not null)
        {
            return null;
        }

        return await ResolvingAgainOnRaceAsync(null, async session =>
        {
            if (await _erased.UsableAsync(session, message, identifiers, cancellationToken) is not { } usable)
            {
                return (string?)null;
            }

            var resolved = await resolver.ResolveAsync(session, message, usable, cancellationToken);
            var at = message.Timestamp ?? message.ReceivedAt!.Value;
            var pending = await OpenResolvedAsync(session, resolved, at, cancellationToken);
            pending.Apply(profile => Link(profile, resolved.Linked, at));
            await CommitAsync(session, cancellationToken);
            return resolved.ProfileId;
        });
    }

    /// <summary>
    /// Applies the batch's messages as independent groups (<see cref="Independent"/>), up to
    /// <see cref="IngestOptions.ConcurrentGroups"/> at once, each in order and in a session of its own; returns how many
    /// profile writes ended them.
    /// </summary>
    private async Task<int> ApplyAsync(List<Work> work, CancellationToken cancellationToken)
    {
        var groups = _concurrentGroups == 1 ? [work] : Independent(work);
        if (groups.Count == 1)
        {
            return await ApplyGroupAsync(groups[0], cancellationToken);
        }

        using var gate = new SemaphoreSlim(_concurrentGroups);
        var written = await Task.WhenAll(groups.Select(async group =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await ApplyGroupAsync(group, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        return written.Sum();
    }

    /// <summary>
    /// The batch split into groups that share no identifier (nor profile hint), each in the batch's order: messages of
    /// one device, person or identifier stay in one group, in order. Groups are applied as separate consumers would apply
    /// them: when two reach one profile, its version (ETag) orders their writes, and identity races are resolved again.
    /// </summary>
    internal static List<List<Work>> Independent(List<Work> work)
    {
        if (work.Count <= 1)
        {
            return [work];
        }

        var parent = new int[work.Count];
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < work.Count; i++)
        {
            parent[i] = i;
            foreach (var identifier in work[i].Identifiers)
            {
                Join(identifier.Key, i);
            }

            if (work[i].Message.ProfileId is { Length: > 0 } hint)
            {
                Join("profile\n" + hint, i);
            }
        }

        var groups = new Dictionary<int, List<Work>>();
        var ordered = new List<List<Work>>();
        for (var i = 0; i < work.Count; i++)
        {
            var root = Find(i);
            if (!groups.TryGetValue(root, out var group))
            {
                groups[root] = group = [];
                ordered.Add(group);
            }

            group.Add(work[i]);
        }

        return ordered;

        void Join(string key, int i)
        {
            if (first.TryGetValue(key, out var other))
            {
                parent[Find(i)] = Find(other);
            }
            else
            {
                first[key] = i;
            }
        }

        int Find(int i)
        {
            while (parent[i] != i)
            {
                i = parent[i] = parent[parent[i]];
            }

            return i;
        }
    }

    private Task<int> ApplyGroupAsync(List<Work> work, CancellationToken cancellationToken)
    {
        // Messages whose profile an earlier attempt of this batch wrote: resolving them again could send them elsewhere.
        HashSet<string>? written = null;
        return ResolvingAgainOnRaceAsync(
            raced => written = raced.WrittenMessages is { } keys ? [.. written ?? [], .. keys] : written,
            async session =>
        {
            foreach (var (message, key, identifiers) in work)
            {
                using var span = CdpTracing.StartIngest(message);
                if (written?.Contains(key) == true || await _erased.UsableAsync(session, message, identifiers, cancellationToken) is not { } usable)
                {
                    continue;
                }

                // The profile's next version names this span: the change it makes continues the message's trace.
                var traceParent = CdpTracing.CurrentParent;

                // Anonymized (an erased identifier left out): no traits, no properties, only counts and the event's name.
                var anonymized = usable != identifiers;
                var resolved = await resolver.ResolveAsync(session, message, usable, cancellationToken);
                var at = message.Timestamp ?? message.ReceivedAt!.Value;
                var pending = await OpenResolvedAsync(session, resolved, at, cancellationToken);
                if (resolved.AppliedElsewhere(key))
                {
                    // An earlier delivery applied it to a profile its identifiers still reach, before a crash; identity
                    // changed since. It counts once: here only the sighting of its identifiers is recorded.
                    pending.Apply(profile => Link(profile, resolved.Linked, at));
                    continue;
                }

                var belongs = (bool?)null;
                pending.Apply(profile =>
                {
                    // Applied again after another writer changed the profile: if it let go of every identifier that led the
                    // message here (a device moved to another person meanwhile), the message is resolved again, not counted here.
                    var holds = HoldsAny(profile, resolved.Linked);
                    if (belongs == true && !holds)
                    {
                        throw new ResolutionRaceException($"profile '{profile.Id}' let go of the identifiers of message '{message.MessageId}'");
                    }

                    belongs ??= holds;
                    profile.TraceParent = traceParent;
                    return Link(profile, resolved.Linked, at) | _applier.Apply(profile, message, key, at, withTraits: !anonymized);
                });
                pending.Messages.Add(key);
                var recorded = ProfileEvent.Of(resolved.ProfileId, message);
                session.Events.Add(anonymized ? recorded with { Properties = null } : recorded);
            }

            return await CommitAsync(session, cancellationToken);
        });
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a fresh session; when identity changed under it (a profile it used was
    /// merged away, a claim was lost), runs it again from the stores, a few times, then lets the stream redeliver.
    /// </summary>
    private async Task<T> ResolvingAgainOnRaceAsync<T>(Action<ProfileSession>? raced, Func<ProfileSession, Task<T>> work)
    {
        for (var attempt = 1; ; attempt++)
        {
            var session = resolver.OpenSession();
            try
            {
                return await work(session);
            }
            catch (ResolutionRaceException ex) when (attempt < MaxResolutionAttempts)
            {
                raced?.Invoke(session);
                Logs.ResolutionRace(logger, ex.Message, attempt);
            }
        }
    }

    /// <summary>The resolved profile (created at the message's time if new; the resolver linked and recorded its new identifiers).</summary>
    private static ValueTask<PendingProfile> OpenResolvedAsync(ProfileSession session, Resolved resolved, DateTimeOffset at, CancellationToken cancellationToken) =>
        session.OpenAsync(resolved.ProfileId, at, cancellationToken);

    /// <summary>
    /// Records when the profile saw the message's resolved identifiers. Only those it holds: the resolver linked the
    /// new ones before claiming them, and one that moved to another profile since must not come back here on a retry.
    /// </summary>
    private static bool Link(Profile profile, List<MessageIdentifier> linked, DateTimeOffset at)
    {
        var changed = false;
        foreach (var identifier in linked)
        {
            if (profile.Holds(identifier.Identifier))
            {
                changed |= profile.Link(identifier.Identifier, at, together: linked.Count > 1);
            }
        }

        return changed;
    }

    private static bool HoldsAny(Profile profile, List<MessageIdentifier> identifiers)
    {
        foreach (var identifier in identifiers)
        {
            if (profile.Holds(identifier.Identifier))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Records the ledger's links and the events, then writes each changed profile once; returns how many were written.</summary>
    private async Task<int> CommitAsync(ProfileSession session, CancellationToken cancellationToken)
    {
        if (session.Ledger.Count > 0)
        {
            await ledger.AppendAsync(session.Ledger, cancellationToken);
        }

        if (session.Events.Count > 0)
        {
            await events.AppendAsync(session.Events, cancellationToken);
        }

        var written = 0;
        foreach (var pending in session.Profiles.Where(p => p.Changed).ToList())
        {
            await session.SaveAsync(pending, cancellationToken);
            written++;
        }

        return written;
    }

    /// <summary>Why a message can never be applied (it would fail the same way on every retry), or null.</summary>
    private static string? Unprocessable(Message message, List<MessageIdentifier> identifiers)
    {
        if (identifiers.Count == 0)
        {
            return "The message carries no usable identifier (userId, anonymousId or a configured identifier type; placeholder values such as 'null' or 'unknown' are ignored).";
        }

        return message.Timestamp is null && message.ReceivedAt is null ? "The message was never stamped (no timestamp or receivedAt)." : null;
    }
}

/// <summary>How many messages a batch held, how many profiles it wrote, how many messages were repeats or became dead letters.</summary>
public sealed record IngestSummary(int Messages, int ProfilesChanged, int Duplicates = 0, int DeadLettered = 0);
