using System.Text.Json;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Ingest;

/// <summary>
/// Ingest: for each message of a batch, in order, skips it if it was applied before, finds or creates the
/// person's profile through the identity index, links the message's identifiers to it, applies its
/// traits, and records the message as applied. A message that cannot be processed becomes a dead letter.
/// </summary>
/// <remarks>
/// Idempotent: besides the processed-message log, every step converges on replay. Claiming identifiers a
/// profile already holds and setting traits to the values they have write nothing; a new profile's id is
/// derived from the message id, so a crash between the claim and the profile write is completed by the
/// replay under the same id. Merging two existing profiles is not done here yet: when a message's
/// identifiers already belong to different profiles, the strongest identifier's profile is updated and
/// the conflict is logged. Store failures propagate, so the caller redelivers the batch.
/// </remarks>
public sealed class IngestService(
    IIdentityIndex index,
    IProfileStore profiles,
    IProcessedMessageLog processed,
    IDeadLetterStore deadLetters,
    TimeProvider time,
    ILogger<IngestService> logger)
{
    private const int MaxConcurrencyRetries = 10;

    private readonly ProfileResolver _resolver = new(index, profiles);

    /// <summary>
    /// Processes a batch in order: identifiers are claimed message by message, and each profile the batch
    /// changes is read once and written once, at the end. Throws when a store fails; the caller redelivers
    /// the batch. The summary counts profiles written, repeats skipped and dead letters.
    /// </summary>
    public async Task<IngestSummary> ProcessAsync(IReadOnlyList<Message> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var changed = 0;
        var duplicates = 0;
        var deadLettered = 0;
        var keys = batch.Select(m => IProcessedMessageLog.KeyFor(m.SourceId, m.MessageId)).ToList();
        var seen = new HashSet<string>(await processed.FindAsync(keys, cancellationToken), StringComparer.Ordinal);
        var applied = new List<string>(batch.Count);
        var pending = new Dictionary<string, PendingProfile>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i];
            if (!seen.Add(keys[i]))
            {
                duplicates++;
                CdpMetrics.DuplicatesSkipped.Add(1, KeyValuePair.Create<string, object?>("source", message.SourceId));
                continue;
            }

            var identifiers = ProfileResolver.IdentifiersOf(message);
            if (Unprocessable(message, identifiers) is { } reason)
            {
                // Not recorded as applied: once fixed and replayed, the same message id must go through.
                await DeadLetterAsync(message, reason, cancellationToken);
                deadLettered++;
                continue;
            }

            await ApplyAsync(message, identifiers, pending, cancellationToken);
            applied.Add(keys[i]);
        }

        // Each profile the batch touched is written once, after all of its messages are applied.
        foreach (var profile in pending.Values)
        {
            if (await SaveAsync(profile, cancellationToken))
            {
                changed++;
            }
        }

        if (applied.Count > 0)
        {
            await processed.AddAsync(applied, time.GetUtcNow(), cancellationToken);
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

    private async Task KeepUnreadableAsync(string body, string reason, CancellationToken cancellationToken)
    {
        var hash = IProcessedMessageLog.KeyFor(null, body);
        await deadLetters.AddAsync(new DeadLetter("ingest-raw-" + hash, DeadLetter.IngestStage, null, reason, body, time.GetUtcNow()), cancellationToken);
        CdpMetrics.IngestDeadLettered.Add(1);
        Logs.MessageDeadLettered(logger, "(unreadable)", reason);
    }

    /// <summary>Why a message can never be applied (it would fail the same way on every retry), or null.</summary>
    private static string? Unprocessable(Message message, List<Identifier> identifiers)
    {
        if (identifiers.Count == 0)
        {
            return "The message carries no identifier (userId or anonymousId).";
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

    /// <summary>Claims the message's identifiers and applies it to its profile, as loaded for this batch.</summary>
    private async Task ApplyAsync(Message message, List<Identifier> identifiers, Dictionary<string, PendingProfile> pending, CancellationToken cancellationToken)
    {
        var (profileId, owned) = await ClaimAsync(message, identifiers, cancellationToken);
        if (!pending.TryGetValue(profileId, out var profile))
        {
            profile = new PendingProfile(profileId, await profiles.GetAsync(profileId, cancellationToken));
            pending[profileId] = profile;
        }

        profile.Apply(message, owned);
    }

    /// <summary>
    /// Writes a profile the batch changed. When it changed under us (another consumer wrote it), reloads it
    /// and applies the batch's messages again: the changes are idempotent and independent of order.
    /// </summary>
    private async Task<bool> SaveAsync(PendingProfile profile, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!profile.Changed)
            {
                return false;
            }

            var saved = profile.Stored is null
                ? await profiles.TryCreateAsync(profile.Profile, cancellationToken)
                : await profiles.TryReplaceAsync(profile.Profile, profile.Stored.VersionTag, cancellationToken);
            if (saved)
            {
                return true;
            }

            if (attempt >= MaxConcurrencyRetries)
            {
                throw new InvalidOperationException($"Profile '{profile.Id}' kept changing under this batch; giving up after {attempt} attempts.");
            }

            Logs.ProfileWriteConflict(logger, profile.Id, attempt);
            profile.Reload(await profiles.GetAsync(profile.Id, cancellationToken));
        }
    }

    /// <summary>
    /// Resolves the message's profile and claims its identifiers for it; returns those it owns. If every
    /// claim for a new profile was lost to concurrent claims, resolves again: the identifiers now have owners.
    /// </summary>
    private async Task<(string ProfileId, List<Identifier> Owned)> ClaimAsync(Message message, List<Identifier> identifiers, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (profileId, owners) = await _resolver.LookUpAsync(message, identifiers, cancellationToken);
            var owned = new List<Identifier>(identifiers.Count);
            for (var i = 0; i < identifiers.Count; i++)
            {
                var identifier = identifiers[i];
                // Only unclaimed identifiers are claimed: a known person's message writes nothing to the index.
                var owner = owners[i] ?? await index.ClaimAsync(identifier, profileId, cancellationToken);
                if (owner == profileId)
                {
                    owned.Add(identifier);
                }
                else
                {
                    Logs.IdentifierHeldByOtherProfile(logger, identifier.Type, owner, profileId, message.MessageId);
                }
            }

            if (owned.Count > 0)
            {
                return (profileId, owned);
            }

            if (attempt >= MaxConcurrencyRetries)
            {
                throw new InvalidOperationException($"Message '{message.MessageId}' could not claim any identifier after {attempt} attempts.");
            }
        }
    }
}

/// <summary>How many messages a batch held, how many profiles it wrote, how many messages were repeats or became dead letters.</summary>
public sealed record IngestSummary(int Messages, int ProfilesChanged, int Duplicates = 0, int DeadLettered = 0);
