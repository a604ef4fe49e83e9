using Cdp.Core.Changes;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Microsoft.Extensions.Logging;

namespace Cdp.Core.Journeys;

/// <summary>
/// Journeys from the profile change feed. A change that carries <c>segments.{id}</c> (an entry written by the
/// segment evaluator) or <c>counters.track:{event}</c> (a track event applied) enrolls the profile in the journeys
/// it triggers (re-entry policy enforced); the same events are raised to the profile's running instances that
/// wait for them; a segment exit, an exit event, a denied consent purpose or a merge raises an exit to them. Which
/// instances get a signal is decided by each instance's own version (<see cref="JourneySteering"/>), deleted
/// journeys included, so a later save or a delete does not change what reaches a running instance.
/// </summary>
/// <remarks>
/// Idempotent: an enrollment's record names its trigger (what fired and the profile version), so a redelivered
/// change finds it and starts nothing new; starting is idempotent by instance id; raised events carry their time,
/// and an instance ignores events from before it began to wait; a second exit finds the instance ended.
/// Merges: the merged-away profile's instances end with reason <c>merged</c> (the survivor is evaluated for
/// every segment after the merge, and enrolls by its own triggers and re-entry policy). A deletion (an erased
/// profile's tombstone) ends and deletes every instance of the profile, as the erasure does.
/// </remarks>
public sealed class JourneyTriggers(JourneyCatalog catalog, IJourneyInstances instances, TimeProvider time, ILogger<JourneyTriggers> logger) : IProfileChangeSubscriber
{
    private const int MaxAttempts = 5;

    public async Task OnProfileChangedAsync(ProfileChange change, ProfileChangeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        var paths = change.Profile.ChangedPaths ?? [];
        if (change.Deleted)
        {
            // Erased: an instance enrolled after the erasure ended the person's journeys (a change handled late) ends
            // here, after every earlier change of the profile, as the erasure ends them.
            await JourneyErasure.EraseAsync(instances, context.Journeys, change.ProfileId, cancellationToken);
            return;
        }

        if (paths.Count == 0 && change.MissedAfter is null)
        {
            return;
        }

        var journeys = await catalog.CurrentAsync(cancellationToken);
        if (journeys.Count == 0)
        {
            return;
        }

        var profile = change.Profile;
        var now = time.GetUtcNow();
        if (profile.MergedInto is not null)
        {
            if (change.MissedAfter is not null || paths.Contains("mergedInto"))
            {
                await ExitAsync(journeys, _ => true, profile.Id, "merged", context.Journeys, now, cancellationToken);
            }

            return;
        }

        if (change.MissedAfter is { } after)
        {
            await CatchUpAsync(journeys, profile, after, context.Journeys, now, cancellationToken);
            return;
        }

        foreach (var path in paths)
        {
            if (path.StartsWith("segments.", StringComparison.Ordinal))
            {
                var segmentId = path["segments.".Length..];
                if (profile.Memberships.ContainsKey(segmentId))
                {
                    var triggered = journeys.Where(j => j.Definition.Trigger?.SegmentEntered == segmentId);
                    await EnrollAsync(triggered, profile, FormattableString.Invariant($"segment:{segmentId}:{profile.Version}"), context.Journeys, now, cancellationToken);
                }
                else
                {
                    await ExitAsync(journeys, s => s.ExitsOnSegment(segmentId), profile.Id, "segmentExited", context.Journeys, now, cancellationToken);
                }
            }
            else if (path.StartsWith("counters." + ProfileCounters.EventCounterPrefix, StringComparison.Ordinal))
            {
                var name = path[("counters." + ProfileCounters.EventCounterPrefix).Length..];
                await OnEventAsync(journeys, profile, name, profile.Version, now, caughtUpAt: null, context.Journeys, now, cancellationToken);
            }
            else if (path.StartsWith("consents.", StringComparison.Ordinal))
            {
                var purpose = path["consents.".Length..];
                if (!(profile.Consents?.TryGetValue(purpose, out var consent) == true && consent.GrantedAt(now)))
                {
                    await ExitAsync(journeys, s => s.ExitsOnDenial(purpose), profile.Id, "consentRevoked", context.Journeys, now, cancellationToken);
                }
            }
        }
    }

    /// <summary>
    /// Reacts to what changed after version <paramref name="after"/> when those versions were not all seen, from the
    /// state: each membership entered and each remembered exit since (its entry too), each track event counted since
    /// (by its counter's version), and every purpose not granted now. Enrollment ids are those the versions themselves
    /// would have given, so nothing enrolls twice; a journey saved after the entry or event does not enroll for it; an
    /// event is raised to waiting instances at its own time (an instance ignores events from before its wait); an exit
    /// ends only the instances enrolled by an earlier version (their trigger names it).
    /// </summary>
    private async Task CatchUpAsync(IReadOnlyList<CatalogJourney> journeys, ProfileDocument profile, long after, IJourneyRuntime runtime, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var (segmentId, exit) in profile.SegmentExits ?? new Dictionary<string, SegmentExit>())
        {
            if (exit.Version <= after)
            {
                continue;
            }

            if (exit.EnteredVersion > after)
            {
                var entering = journeys.Where(j => j.Definition.Trigger?.SegmentEntered == segmentId && exit.Since >= j.Definition.UpdatedAt);
                await EnrollAsync(entering, profile, FormattableString.Invariant($"segment:{segmentId}:{exit.EnteredVersion}"), runtime, now, cancellationToken);
            }

            await ExitAsync(journeys, s => s.ExitsOnSegment(segmentId), profile.Id, "segmentExited", runtime, now, cancellationToken, triggeredBefore: exit.Version);
        }

        foreach (var (segmentId, membership) in profile.Memberships)
        {
            if (membership.Version > after)
            {
                var entering = journeys.Where(j => j.Definition.Trigger?.SegmentEntered == segmentId && membership.Since >= j.Definition.UpdatedAt);
                await EnrollAsync(entering, profile, FormattableString.Invariant($"segment:{segmentId}:{membership.Version}"), runtime, now, cancellationToken);
            }
        }

        foreach (var (key, counter) in profile.Counters?.Events ?? new Dictionary<string, EventCounter>())
        {
            if (counter.Version <= after || !key.StartsWith(ProfileCounters.EventCounterPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            await OnEventAsync(journeys, profile, key[ProfileCounters.EventCounterPrefix.Length..], counter.Version, counter.Last, caughtUpAt: counter.Last, runtime, now, cancellationToken);
        }

        foreach (var (purpose, consent) in profile.Consents ?? new Dictionary<string, ProfileConsent>())
        {
            if (!consent.GrantedAt(now))
            {
                await ExitAsync(journeys, s => s.ExitsOnDenial(purpose), profile.Id, "consentRevoked", runtime, now, cancellationToken);
            }
        }
    }

    /// <summary>
    /// A track event counted in profile version <paramref name="version"/>: ends the instances it exits, is raised to the
    /// instances waiting for it (its id the version, so a repeat is ignored) and enrolls the journeys it triggers. Caught
    /// up (<paramref name="caughtUpAt"/>: the event's time, the versions between were not seen), it ends only instances
    /// enrolled before it and enrolls no journey saved after it; the signal carries <paramref name="signalAt"/>.
    /// </summary>
    private async Task OnEventAsync(IReadOnlyList<CatalogJourney> journeys, ProfileDocument profile, string name, long version, DateTimeOffset signalAt, DateTimeOffset? caughtUpAt, IJourneyRuntime runtime, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ExitAsync(journeys, s => s.ExitsOnEvent(name), profile.Id, "event:" + name, runtime, now, cancellationToken, triggeredBefore: caughtUpAt is null ? null : version);
        await RaiseAsync(journeys, s => s.Awaits(name), profile.Id, JourneySignals.ForEvent(name), new JourneySignal(signalAt, Id: FormattableString.Invariant($"{profile.Id}:{version}")), runtime, cancellationToken);
        var triggered = journeys.Where(j => j.Definition.Trigger?.Event == name && (caughtUpAt is null || caughtUpAt >= j.Definition.UpdatedAt));
        await EnrollAsync(triggered, profile, FormattableString.Invariant($"event:{name}:{version}"), runtime, now, cancellationToken);
    }

    /// <summary>
    /// Enrolls the profile in each journey unless the re-entry policy forbids it or this trigger already did: a
    /// record (<see cref="JourneyInstance"/>, status pending) is created under the next enrollment number, then the
    /// instance is started. A record left pending by a crash is started when the trigger is delivered again.
    /// </summary>
    private async Task EnrollAsync(IEnumerable<CatalogJourney> journeys, ProfileDocument profile, string trigger, IJourneyRuntime runtime, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var journey in journeys)
        {
            var definition = journey.Definition;
            if (!journey.Enrolls || (journey.TriggerRule is { } rule && !Meets(definition, rule, profile, now)))
            {
                continue;
            }

            for (var attempt = 1; ; attempt++)
            {
                var held = await instances.ListForProfileAsync(definition.Id, profile.Id, cancellationToken);
                if (held.FirstOrDefault(i => i.Trigger == trigger) is { } same)
                {
                    if (same.Status == JourneyInstanceStatus.Pending && same.JourneyVersion == definition.Version)
                    {
                        await runtime.StartAsync(same.InstanceId, new JourneyRun(definition, profile.Id, same.Enrollment), cancellationToken);
                    }

                    break;
                }

                if ((definition.ReEntry == JourneyReEntry.Once && held.Count > 0) || (definition.ReEntry == JourneyReEntry.AfterExit && held.Any(i => i.IsActive)))
                {
                    break;
                }

                var enrollment = held.Count == 0 ? 1 : held.Max(i => i.Enrollment) + 1;
                var instanceId = JourneyInstance.IdFor(definition.Id, definition.Version, profile.Id, enrollment);
                var record = new JourneyInstance(instanceId, definition.Id, definition.Version, profile.Id, enrollment, trigger, JourneyInstanceStatus.Pending, now);
                if (await instances.TryCreateAsync(record, cancellationToken))
                {
                    await runtime.StartAsync(instanceId, new JourneyRun(definition, profile.Id, enrollment), cancellationToken);
                    Logs.JourneyEnrolled(logger, definition.Id, definition.Version, profile.Id, instanceId);
                    break;
                }

                if (attempt == MaxAttempts)
                {
                    throw new InvalidOperationException($"Enrolling profile '{profile.Id}' in journey '{definition.Id}' lost {MaxAttempts} races in a row; the change will be delivered again.");
                }
            }
        }
    }

    /// <param name="triggeredBefore">When given, only instances enrolled by a version before it are ended (an exit that happened before an instance was enrolled does not end it).</param>
    private async Task ExitAsync(IEnumerable<CatalogJourney> journeys, Func<JourneySteering, bool> steered, string profileId, string reason, IJourneyRuntime runtime, DateTimeOffset now, CancellationToken cancellationToken, long? triggeredBefore = null) =>
        await RaiseAsync(journeys, steered, profileId, JourneySignals.Exit, new JourneySignal(now, reason), runtime, cancellationToken, triggeredBefore);

    /// <summary>
    /// Raises the signal to the profile's running instances that <paramref name="steered"/> says their own version
    /// listens for, in every journey with such a version (deleted journeys included).
    /// </summary>
    private async Task RaiseAsync(IEnumerable<CatalogJourney> journeys, Func<JourneySteering, bool> steered, string profileId, string name, JourneySignal signal, IJourneyRuntime runtime, CancellationToken cancellationToken, long? triggeredBefore = null)
    {
        foreach (var journey in journeys.Where(j => j.AnySteered(steered)))
        {
            foreach (var instance in await instances.ListForProfileAsync(journey.Definition.Id, profileId, cancellationToken))
            {
                if (instance.IsActive && steered(journey.SteeringOf(instance.JourneyVersion)) && (triggeredBefore is null || TriggerVersion(instance) < triggeredBefore)
                    && await runtime.RaiseAsync(instance.InstanceId, name, signal, cancellationToken))
                {
                    Logs.JourneySignalled(logger, instance.InstanceId, name, signal.Reason);
                }
            }
        }
    }

    /// <summary>The profile version that enrolled the instance (its trigger ends with it: <c>segment:{id}:{version}</c>, <c>event:{name}:{version}</c>); 0 when it does not say.</summary>
    private static long TriggerVersion(JourneyInstance instance) =>
        long.TryParse(instance.Trigger.AsSpan(instance.Trigger.LastIndexOf(':') + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) ? version : 0;

    /// <summary>Whether the profile meets the journey's trigger condition; a condition that throws on its values is not met (logged).</summary>
    private bool Meets(JourneyDefinition journey, CompiledRule rule, ProfileDocument profile, DateTimeOffset now)
    {
        var context = new RuleContext();
        context.Reset(profile, now, profile.Memberships.ContainsKey);
        try
        {
            return rule.Evaluate(context);
        }
#pragma warning disable CA1031 // A condition is data: whatever it throws is that journey's failure, never the feed's.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Logs.JourneyConditionFailed(logger, journey.Id, journey.Version, profile.Id, $"{ex.GetType().Name}: {ex.Message}");
            return false;
        }
    }
}
