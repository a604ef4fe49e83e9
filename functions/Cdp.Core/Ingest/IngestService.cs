using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Consents;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Ingest;

/// <summary>
/// Ingest: for each message of a batch, in order, skips it if it was applied before, resolves its profile
/// (<see cref="IdentityResolver"/>: claims, merges, moves), links its identifiers, applies its traits by the
/// merge policy and counts it. At the end of the batch it records the ledger's links and the events, writes
/// each changed profile once, and records the messages as applied. A message that cannot be processed
/// becomes a dead letter.
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
    IOptions<Privacy.PrivacyOptions>? privacy = null,
    TransientFailures? failures = null)
{
    private readonly TransientFailures _failures = failures ?? TransientFailures.BuiltIn;

    /// <summary>How many times a message whose processing fails deterministically is tried alone before it becomes a dead letter.</summary>
    public const int MaxMessageAttempts = 3;

    private readonly Privacy.SuppressionMode _suppression = privacy?.Value.Suppression ?? Privacy.SuppressionMode.Drop;

    // Traits stored only while the profile grants a purpose (Cdp:Consent:TraitPurposes, trait name → purpose).
    private readonly Dictionary<string, string> _traitPurposes = new(consent?.Value.TraitPurposes ?? [], StringComparer.Ordinal);

    private const int MaxResolutionAttempts = 5;

    /// <summary>How many counters (message types and track event names) a profile keeps at most.</summary>
    public const int MaxCounters = 256;

    /// <summary>The longest event name counted by name (characters); a longer one counts only as a track event.</summary>
    public const int MaxCountedEventName = 256;

    private const int MaxCachedEventNames = 10_000;

    private readonly ConcurrentDictionary<string, string> _eventCounters = new(StringComparer.Ordinal);

    /// <summary>
    /// Processes a batch in order. Throws when a store fails transiently (<see cref="TransientFailures"/>): the caller
    /// redelivers the batch. Any other failure is contained: the batch's messages are processed one by one, and a
    /// message that still fails after <see cref="MaxMessageAttempts"/> tries becomes a dead letter naming the failure,
    /// so the partition moves on. The summary counts profiles written, repeats skipped and dead letters.
    /// </summary>
    public async Task<IngestSummary> ProcessAsync(IReadOnlyList<Message> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
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
                        await DeadLetterAsync(message, $"Processing failed {MaxMessageAttempts} times: {ex.GetType().Name}: {ex.Message}", cancellationToken);
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
        var work = new List<(Message Message, string Key, List<MessageIdentifier> Identifiers)>(batch.Count);
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
                await DeadLetterAsync(message, reason, cancellationToken);
                deadLettered++;
                continue;
            }

            work.Add((message, keys[i], identifiers));
        }

        var changed = work.Count == 0 ? 0 : await ApplyAsync(work, cancellationToken);
        if (work.Count > 0)
        {
            await processed.AddAsync([.. work.Select(w => w.Key)], time.GetUtcNow(), cancellationToken);
        }

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
                await KeepUnreadableAsync(body, $"The event is not a readable message: {ex.Message}", cancellationToken);
                unreadable++;
                continue;
            }

            if (message is null || string.IsNullOrEmpty(message.MessageId))
            {
                await KeepUnreadableAsync(body, "The event is not a message (null, or no messageId).", cancellationToken);
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
            if (await UnsuppressedAsync(session, message, identifiers, cancellationToken) is not { } usable)
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

    private Task<int> ApplyAsync(List<(Message Message, string Key, List<MessageIdentifier> Identifiers)> work, CancellationToken cancellationToken)
    {
        // Messages whose profile an earlier attempt of this batch wrote: resolving them again could send them elsewhere.
        HashSet<string>? written = null;
        return ResolvingAgainOnRaceAsync(
            raced => written = raced.WrittenMessages is { } keys ? [.. written ?? [], .. keys] : written,
            async session =>
        {
            foreach (var (message, key, identifiers) in work)
            {
                if (written?.Contains(key) == true || await UnsuppressedAsync(session, message, identifiers, cancellationToken) is not { } usable)
                {
                    continue;
                }

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
                    return Link(profile, resolved.Linked, at) | ApplyMessage(profile, message, key, at, withTraits: !anonymized);
                });
                pending.Messages.Add(key);
                var recorded = ProfileEvent.Of(resolved.ProfileId, message);
                session.Events.Add(anonymized ? recorded with { Properties = null } : recorded);
            }

            return await CommitAsync(session, cancellationToken);
        });
    }

    /// <summary>
    /// The message's identifiers unless one is erased (its index entry owned by <see cref="IdentitySuppression.Owner"/>):
    /// then null (drop), or with <see cref="Privacy.SuppressionMode.Anonymize"/> the others, when any remain.
    /// The look-ups are the session's, so resolution reads the index no more than before.
    /// </summary>
    private async ValueTask<List<MessageIdentifier>?> UnsuppressedAsync(ProfileSession session, Message message, List<MessageIdentifier> identifiers, CancellationToken cancellationToken)
    {
        List<MessageIdentifier>? kept = null;
        for (var i = 0; i < identifiers.Count; i++)
        {
            if (IdentitySuppression.IsSuppressed(await session.OwnerAsync(identifiers[i].Key, cancellationToken)))
            {
                kept ??= identifiers.GetRange(0, i);
            }
            else
            {
                kept?.Add(identifiers[i]);
            }
        }

        if (kept is null)
        {
            return identifiers;
        }

        var anonymize = _suppression == Privacy.SuppressionMode.Anonymize && kept.Count > 0;
        CdpMetrics.Suppressed.Add(1, KeyValuePair.Create<string, object?>("mode", anonymize ? "anonymized" : "dropped"));
        Logs.MessageSuppressed(logger, message.MessageId, anonymize ? "applied without it and without traits" : "dropped");
        return anonymize ? kept : null;
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

    /// <summary>Applies a message's traits and counts it, unless the profile already took it in.</summary>
    private bool ApplyMessage(Profile profile, Message message, string key, DateTimeOffset at, bool withTraits = true)
    {
        if (profile.HasApplied(key))
        {
            return false;
        }

        // Consent first: a trait that needs a purpose is kept when this very message grants it.
        // Segment's consent context: {"consent": {"categoryPreferences": {"Advertising": true, ...}}}.
        if (message.Context?["consent"]?["categoryPreferences"] is JsonObject preferences)
        {
            SetConsents(profile, preferences, message, at, null);
        }

        // A "Consent Updated" track event: properties {"categoryPreferences": {...}}, or {"purpose": "...",
        // "granted": true|false, "expiresAt": "…"} for one purpose (a grant with an expiry).
        if (message.Type == MessageType.Track && message.Event == ConsentUpdatedEvent && message.Properties is { } properties)
        {
            DateTimeOffset? expires = properties["expiresAt"] is JsonValue e && e.TryGetValue<string>(out var text)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until) ? until : null;
            if (properties["categoryPreferences"] is JsonObject categories)
            {
                SetConsents(profile, categories, message, at, expires);
            }
            else if (properties["purpose"] is JsonValue p && p.TryGetValue<string>(out var purpose))
            {
                SetConsents(profile, new JsonObject { [purpose] = properties["granted"]?.DeepClone() }, message, at, expires);
            }
        }

        // identify carries the person's traits at the top level (a group's top-level traits are the
        // group's, not the person's); any message may carry the person's traits in context.traits.
        var traits = message.Type == MessageType.Group || !withTraits ? null : message.Traits;
        traits ??= withTraits ? message.Context?["traits"] as JsonObject : null;
        if (traits is not null)
        {
            var confidence = policy.ConfidenceOf(message.SourceId);
            foreach (var (name, value) in traits)
            {
                if (string.IsNullOrWhiteSpace(name))
                {
                    continue;
                }

                if (_traitPurposes.TryGetValue(name, out var needed) && !(profile.Consents.TryGetValue(needed, out var consent) && consent.GrantedAt(at)))
                {
                    CdpMetrics.TraitsWithheld.Add(1, KeyValuePair.Create<string, object?>("trait", name));
                    continue;
                }

                if (profile.Traits.Count >= policy.MaxTraits && !profile.Traits.ContainsKey(name))
                {
                    CdpMetrics.TraitsDropped.Add(1, KeyValuePair.Create<string, object?>("reason", "max_traits"));
                    continue;
                }

                profile.SetTrait(name, new Trait(value, at, message.MessageId, message.SourceId, confidence), policy);
            }
        }

        profile.Count(MessageTypes.Name(message.Type), at);
        if (message.Type == MessageType.Track && !string.IsNullOrWhiteSpace(message.Event) && message.Event.Length <= MaxCountedEventName)
        {
            // Per event name too (segment rules read "last Order Completed"), up to a bound per profile (and of a name's length).
            var counter = EventCounter(message.Event);
            if (profile.Counters.Count < MaxCounters || profile.Counters.ContainsKey(counter))
            {
                profile.Count(counter, at);
            }
        }

        profile.Remember(key, policy.RecentMessages);
        return true;
    }

    /// <summary>The counter key of a track event (<c>track:{event}</c>), built once per event name (names are few).</summary>
    private string EventCounter(string name)
    {
        if (_eventCounters.TryGetValue(name, out var key))
        {
            return key;
        }

        if (_eventCounters.Count >= MaxCachedEventNames)
        {
            _eventCounters.Clear();
        }

        return _eventCounters[name] = RuleCompiler.EventCounterPrefix + name;
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

    private async Task KeepUnreadableAsync(string body, string reason, CancellationToken cancellationToken)
    {
        var hash = IProcessedMessageLog.KeyFor(null, body);
        await deadLetters.AddAsync(new DeadLetter("ingest-raw-" + hash, DeadLetter.IngestStage, null, reason, body, time.GetUtcNow()), cancellationToken);
        CdpMetrics.IngestDeadLettered.Add(1);
        Logs.MessageDeadLettered(logger, "(unreadable)", reason);
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

    private async Task DeadLetterAsync(Message message, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // The id is derived from the message, so a redelivered batch writes the same letter again, not a second one.
        var id = "ingest-" + IProcessedMessageLog.KeyFor(message.SourceId, message.MessageId);
        await deadLetters.AddAsync(
            new DeadLetter(id, DeadLetter.IngestStage, message.SourceId, reason, JsonSerializer.Serialize(message, CdpJson.Options), now, message.MessageId),
            cancellationToken);
        CdpMetrics.IngestDeadLettered.Add(1);
        Logs.MessageDeadLettered(logger, message.MessageId, reason);
    }

    /// <summary>The track event that carries consent decisions in its properties.</summary>
    public const string ConsentUpdatedEvent = "Consent Updated";

    /// <summary>Each <c>purpose: true|false</c> of <paramref name="decisions"/> as a decision of the message (an expiry applies to grants).</summary>
    private static void SetConsents(Profile profile, JsonObject decisions, Message message, DateTimeOffset at, DateTimeOffset? expiresAt)
    {
        foreach (var (purpose, value) in decisions)
        {
            if (!string.IsNullOrWhiteSpace(purpose) && value is JsonValue decision && decision.TryGetValue<bool>(out var granted))
            {
                profile.SetConsent(purpose, new ProfileConsent(granted, at, message.MessageId, message.SourceId, granted ? expiresAt : null));
            }
        }
    }
}

/// <summary>How many messages a batch held, how many profiles it wrote, how many messages were repeats or became dead letters.</summary>
public sealed record IngestSummary(int Messages, int ProfilesChanged, int Duplicates = 0, int DeadLettered = 0);
