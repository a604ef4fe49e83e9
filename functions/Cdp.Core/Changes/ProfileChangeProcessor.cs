using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Changes;

/// <summary>
/// Handles a batch of profile changes from the change feed (the Cosmos DB trigger in the cloud, the
/// embedded change log locally) by handing each change to every subscriber, in order. A change whose
/// version is not newer than one already handled for the profile (a redelivery, or an older change arriving
/// after a newer one) is skipped; each change names what it changed (<c>profile.changedPaths</c>), and when the
/// versions before it were not all handled here, the change says so (<see cref="ProfileChange.MissedAfter"/>). A deletion
/// (tombstone) is handed on and the profile's versions forgotten: an id created again starts at version 1.
/// </summary>
/// <remarks>
/// A subscriber's transient failure (<see cref="TransientFailures"/>: a store throttled or down) fails the batch, so
/// the feed redelivers it. A deterministic one (a bug, data the subscriber cannot handle) is tried again
/// <see cref="MaxAttempts"/> times in all, then parked as a dead letter of the change feed with its reason
/// (<see cref="ProfileChangeReplay"/>) and the batch goes on: one bad change never stops the feed. The versions handled are remembered in
/// memory only (up to <see cref="MaxRemembered"/> profiles, then forgotten), so after a restart a change
/// may be delivered again: subscribers stay idempotent. Subscribers see personal values in clear: the processor
/// decrypts them (<see cref="Privacy.PersonalDataProtector"/>).
/// </remarks>
public sealed class ProfileChangeProcessor(
    IEnumerable<IProfileChangeSubscriber> subscribers,
    ILogger<ProfileChangeProcessor> logger,
    Privacy.PersonalDataProtector? protector = null,
    ProfileChangeReplay? deadLetters = null,
    TransientFailures? failures = null)
{
    public const int MaxRemembered = 100_000;

    /// <summary>How many times a subscriber is given a change it fails on deterministically before the change is parked.</summary>
    public const int MaxAttempts = 3;

    private readonly TransientFailures _failures = failures ?? TransientFailures.BuiltIn;

    private readonly IProfileChangeSubscriber[] _subscribers = [.. subscribers];
    private readonly ConcurrentDictionary<string, long> _handled = new(StringComparer.Ordinal);

    public async Task ProcessAsync(IReadOnlyList<ProfileChange> changes, ProfileChangeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var skipped = 0;
        foreach (var change in changes)
        {
            // Version 0: a document from before versions (schema 1); it cannot be ordered, so it is handed on.
            var version = change.Profile.Version;
            var known = _handled.TryGetValue(change.ProfileId, out var handled);
            if (version > 0 && known && version <= handled)
            {
                skipped++;
                continue;
            }

            // Versions not seen (the feed may deliver only the latest), or not known to have been, or a catch-up asked
            // for (a change letter replayed): react to the state.
            long? missedAfter = change.Profile.CatchUp == version && version > 0 ? 0
                : version <= 1 || change.Deleted || (known && handled == version - 1) ? null : known ? handled : 0;
            if (missedAfter is not null)
            {
                CdpMetrics.ChangesCaughtUp.Add(1, KeyValuePair.Create<string, object?>("reason", known ? "skipped" : "unknown"));
            }

            using var span = CdpTracing.StartChange(change);
            span?.SetTag("cdp.change.missed_after", missedAfter);
            var readable = (protector is null ? change : change with { Profile = await protector.UnprotectAsync(change.Profile, cancellationToken) }) with { MissedAfter = missedAfter };
            foreach (var subscriber in _subscribers)
            {
                await HandOnAsync(subscriber, change, readable, context, cancellationToken);
            }

            if (change.Deleted)
            {
                _handled.TryRemove(change.ProfileId, out _);
            }
            else if (version > 0)
            {
                if (_handled.Count >= MaxRemembered)
                {
                    _handled.Clear();
                }

                _handled.AddOrUpdate(change.ProfileId, version, (_, held) => Math.Max(held, version));
            }
        }

        Logs.ProfileChangesProcessed(logger, changes.Count, skipped, _subscribers.Length);
    }

    /// <summary>
    /// Hands one change to one subscriber: a transient failure propagates (the batch is redelivered); a deterministic one
    /// is tried again up to <see cref="MaxAttempts"/> times, then the change is parked for that subscriber (without a
    /// dead-letter store, as in tests, it propagates).
    /// </summary>
    private async Task HandOnAsync(IProfileChangeSubscriber subscriber, ProfileChange stored, ProfileChange readable, ProfileChangeContext context, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var span = CdpTracing.StartInternal(subscriber.GetType().Name);
            try
            {
                await subscriber.OnProfileChangedAsync(readable, context, cancellationToken);
                return;
            }
            catch (Exception ex) when (span.FailedWith(ex) && deadLetters is not null && !_failures.IsTransient(ex))
            {
                var name = subscriber.GetType().Name;
                Logs.ProfileChangeFailed(logger, ex, name, stored.ProfileId, stored.Profile.Version, attempt, MaxAttempts);
                if (attempt == MaxAttempts)
                {
                    // The letter holds ids and the version only (the stored change, never decrypted values).
                    await deadLetters.KeepAsync(stored, name, ex, cancellationToken);
                    CdpMetrics.ChangesDeadLettered.Add(1, KeyValuePair.Create<string, object?>("subscriber", name));
                    return;
                }
            }
        }
    }
}
