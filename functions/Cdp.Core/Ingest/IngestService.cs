using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Ingest;

/// <summary>
/// Ingest: for each message of a batch, finds or creates the person's profile through the identity index,
/// links the message's identifiers to it, and applies its traits.
/// </summary>
/// <remarks>
/// Idempotent: a replayed message claims identifiers its profile already holds and sets traits to the
/// values they have, so it changes nothing and writes nothing. A new profile's id is derived from the
/// message id, so a replay after a crash between the claim and the profile write completes the same
/// profile instead of creating a second one. Merging two existing profiles is not done here yet: when a
/// message's identifiers already belong to different profiles, the strongest identifier's profile is
/// updated and the conflict is logged.
/// </remarks>
public sealed class IngestService(IIdentityIndex index, IProfileStore profiles, ILogger<IngestService> logger)
{
    private const int MaxConcurrencyRetries = 10;

    /// <summary>Processes a batch in order. Throws when a store fails; the caller redelivers the batch.</summary>
    public async Task<IngestSummary> ProcessAsync(IReadOnlyList<Message> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var changed = 0;
        foreach (var message in batch)
        {
            if (await ProcessAsync(message, cancellationToken))
            {
                changed++;
            }
        }

        Logs.BatchIngested(logger, batch.Count, changed);
        return new IngestSummary(batch.Count, changed);
    }

    private async Task<bool> ProcessAsync(Message message, CancellationToken cancellationToken)
    {
        var identifiers = IdentifiersOf(message);
        if (identifiers.Count == 0)
        {
            // The collection API refuses such messages; one that reaches the stream anyway is a bug upstream.
            throw new InvalidOperationException($"Message '{message.MessageId}' carries no identifier.");
        }

        var (profileId, owned) = await ResolveAsync(message, identifiers, cancellationToken);
        var observedAt = message.Timestamp ?? message.ReceivedAt ?? throw new InvalidOperationException($"Message '{message.MessageId}' is not stamped.");

        for (var attempt = 1; ; attempt++)
        {
            var stored = await profiles.GetAsync(profileId, cancellationToken);
            var profile = stored?.Profile ?? new Profile(profileId, observedAt);
            var changed = stored is null;
            foreach (var identifier in owned)
            {
                changed |= profile.AddIdentifier(identifier, observedAt);
            }

            changed |= ApplyTraits(profile, message, observedAt);
            if (!changed)
            {
                return false;
            }

            var saved = stored is null
                ? await profiles.TryCreateAsync(profile, cancellationToken)
                : await profiles.TryReplaceAsync(profile, stored.VersionTag, cancellationToken);
            if (saved)
            {
                return true;
            }

            if (attempt >= MaxConcurrencyRetries)
            {
                throw new InvalidOperationException($"Profile '{profileId}' kept changing under message '{message.MessageId}'; giving up after {attempt} attempts.");
            }

            Logs.ProfileWriteConflict(logger, profileId, attempt);
        }
    }

    /// <summary>
    /// Picks the profile for a message: the owner of its strongest known identifier, else a new profile.
    /// Then claims the message's identifiers for it and returns those it owns. If every claim for a new
    /// profile was lost to concurrent claims, resolves again: the identifiers now have owners.
    /// </summary>
    private async Task<(string ProfileId, List<Identifier> Owned)> ResolveAsync(Message message, List<Identifier> identifiers, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            string? profileId = null;
            foreach (var identifier in identifiers)
            {
                profileId = await index.FindAsync(identifier, cancellationToken);
                if (profileId is not null)
                {
                    break;
                }
            }

            profileId ??= NewProfileId(message.MessageId);
            var owned = new List<Identifier>(identifiers.Count);
            foreach (var identifier in identifiers)
            {
                var owner = await index.ClaimAsync(identifier, profileId, cancellationToken);
                if (owner == profileId)
                {
                    owned.Add(identifier);
                }
                else
                {
                    Logs.IdentifierHeldByOtherProfile(logger, identifier.Type, owner, profileId, message.MessageId);
                }
            }

            if (owned.Count > 0 || attempt >= MaxConcurrencyRetries)
            {
                return owned.Count > 0
                    ? (profileId, owned)
                    : throw new InvalidOperationException($"Message '{message.MessageId}' could not claim any identifier after {attempt} attempts.");
            }
        }
    }

    private static List<Identifier> IdentifiersOf(Message message)
    {
        var identifiers = new List<Identifier>(2);
        if (message.UserId is { Length: > 0 } userId)
        {
            identifiers.Add(new Identifier(Identifier.UserId, userId));
        }

        if (message.AnonymousId is { Length: > 0 } anonymousId)
        {
            identifiers.Add(new Identifier(Identifier.AnonymousId, anonymousId));
        }

        return identifiers;
    }

    private static bool ApplyTraits(Profile profile, Message message, DateTimeOffset observedAt)
    {
        // identify carries traits at the top level; other messages may carry them in context.traits.
        var traits = message.Traits ?? (message.Context?["traits"] as JsonObject);
        var changed = false;
        if (traits is null)
        {
            return false;
        }

        foreach (var (name, value) in traits)
        {
            if (!string.IsNullOrWhiteSpace(name))
            {
                changed |= profile.SetTrait(name, value, observedAt, message.MessageId);
            }
        }

        return changed;
    }

    /// <summary>A deterministic id for the profile a message creates: the same message always yields the same id.</summary>
    internal static string NewProfileId(string messageId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(messageId));
        return "p_" + Convert.ToHexStringLower(hash, 0, 12);
    }
}

/// <summary>How many messages a batch held and how many changed a profile.</summary>
public sealed record IngestSummary(int Messages, int ProfilesChanged);
