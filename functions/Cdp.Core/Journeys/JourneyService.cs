using System.Text.Json;
using Cdp.Core.Consents;
using Cdp.Core.Events;
using Cdp.Core.Segments;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Journeys;

/// <summary>
/// Journeys over the API: definitions saved after validation and versioned (one more when anything changes),
/// their instances listed and read with the step history, terminated, sent events, counted (metrics), and listed
/// per profile. The runtime is a parameter where needed: the Function App's Durable client is per invocation.
/// </summary>
public sealed class JourneyService(
    IJourneyStore store,
    IJourneyInstances instances,
    ISegmentStore segments,
    JourneyCatalog catalog,
    IOptions<ConsentOptions> consent,
    TimeProvider time,
    JourneyActions? actions = null)
{
    /// <summary>The actions steps may take (built-in and plugged in; the built-in ones alone when none are given).</summary>
    public JourneyActions Actions { get; } = actions ?? JourneyActions.Described;

    public const int MaxPageSize = 1000;

    public async Task<JourneySaveResult> PutAsync(string journeyId, JourneyDefinition? request, CancellationToken cancellationToken)
    {
        var candidate = request is null ? null : request with { Id = journeyId, ReEntry = request.ReEntry ?? JourneyReEntry.Once, Earlier = null, DeletedAt = null };
        var errors = await ValidateAsync(candidate, cancellationToken);
        if (errors.Count > 0 || candidate is null)
        {
            return new JourneySaveResult(null, false, errors);
        }

        var existing = await store.GetAsync(journeyId, cancellationToken);
        var previous = existing?.Definition;
        var created = previous is null || previous.DeletedAt is not null;
        var changed = created || Content(previous!) != Content(candidate);
        var definition = changed
            ? candidate with
            {
                Version = (previous?.Version ?? 0) + 1,
                UpdatedAt = time.GetUtcNow(),
                SchemaVersion = 2,
                Earlier = previous is null ? null : JourneySteering.Append(previous.Earlier, JourneySteering.Of(previous)),
            }
            : previous!;
        if (changed && await store.TryPutAsync(definition, existing?.VersionTag, cancellationToken) is null)
        {
            return new JourneySaveResult(null, false, FieldErrors.None, Conflict: true);
        }

        catalog.Invalidate();
        return new JourneySaveResult(definition.Visible(), created, FieldErrors.None);
    }

    /// <summary>What is wrong with a definition, against the segments there are now and the configured consent purposes.</summary>
    public async Task<IReadOnlyDictionary<string, string[]>> ValidateAsync(JourneyDefinition? definition, CancellationToken cancellationToken)
    {
        var known = (await segments.ListAsync(cancellationToken)).Where(s => s.Status != SegmentStatus.Deleting).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        return JourneyValidator.Validate(definition, known, consent.Value.Purposes, Actions);
    }

    public async Task<JourneyDefinition?> GetAsync(string journeyId, CancellationToken cancellationToken) =>
        (await store.GetAsync(journeyId, cancellationToken))?.Definition is { DeletedAt: null } definition ? definition.Visible() : null;

    public async Task<IReadOnlyList<JourneyDefinition>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListAsync(cancellationToken)).Where(d => d.DeletedAt is null).Select(d => d.Visible())];

    /// <summary>
    /// Deletes the definition: no new enrollments; running instances finish the version they started with and still
    /// get their exits and awaited events. The stored definition stays, marked deleted, as what steers them.
    /// </summary>
    public async Task<bool> DeleteAsync(string journeyId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            if (await store.GetAsync(journeyId, cancellationToken) is not { Definition.DeletedAt: null } stored)
            {
                return false;
            }

            if (await store.TryPutAsync(stored.Definition with { DeletedAt = time.GetUtcNow() }, stored.VersionTag, cancellationToken) is not null)
            {
                catalog.Invalidate();
                return true;
            }
        }

        throw new InvalidOperationException($"Journey '{journeyId}' kept changing while it was deleted.");
    }

    public Task<JourneyInstancePage> InstancesAsync(string journeyId, JourneyInstanceStatus? status, string? after, int max, CancellationToken cancellationToken) =>
        instances.ListAsync(journeyId, status, after, Math.Clamp(max, 1, MaxPageSize), cancellationToken);

    /// <summary>An instance's record with what the runtime says now, or null.</summary>
    public async Task<JourneyInstanceView?> InstanceAsync(string instanceId, IJourneyRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (JourneyInstance.JourneyIdOf(instanceId) is not { } journeyId || await instances.GetAsync(journeyId, instanceId, cancellationToken) is not { } stored)
        {
            return null;
        }

        return new JourneyInstanceView(stored.Instance, await runtime.GetStatusAsync(instanceId, cancellationToken));
    }

    /// <summary>Terminates a running instance (recorded as <c>Terminated</c> with the reason); null when there is no such instance.</summary>
    public async Task<JourneyInstance?> TerminateAsync(string instanceId, string? reason, IJourneyRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (JourneyInstance.JourneyIdOf(instanceId) is not { } journeyId)
        {
            return null;
        }

        reason = string.IsNullOrWhiteSpace(reason) ? "terminated" : reason.Trim();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            if (await instances.GetAsync(journeyId, instanceId, cancellationToken) is not { } stored)
            {
                return null;
            }

            if (!stored.Instance.IsActive)
            {
                return stored.Instance;
            }

            await runtime.TerminateAsync(instanceId, reason, cancellationToken);
            var ended = stored.Instance with { Status = JourneyInstanceStatus.Terminated, Reason = reason, Step = null, EndedAt = time.GetUtcNow() };
            if (await instances.TryReplaceAsync(ended, stored.VersionTag, cancellationToken))
            {
                return ended;
            }
        }

        throw new InvalidOperationException($"The record of '{instanceId}' kept changing while it was terminated.");
    }

    /// <summary>Raises a track event to a running instance (what <c>waitFor</c> steps wait for); false when it is not running.</summary>
    public async Task<bool?> SendEventAsync(string instanceId, string eventName, IJourneyRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (JourneyInstance.JourneyIdOf(instanceId) is not { } journeyId || await instances.GetAsync(journeyId, instanceId, cancellationToken) is not { } stored)
        {
            return null;
        }

        var now = time.GetUtcNow();
        return stored.Instance.IsActive
            && await runtime.RaiseAsync(instanceId, JourneySignals.ForEvent(eventName), new JourneySignal(now, Id: "api:" + now.UtcTicks), cancellationToken);
    }

    /// <summary>
    /// Starts again every instance whose record says it runs but that the runtime does not have (Cdp.Local's
    /// in-process host keeps instances in memory, so a restart loses them): at the step the record last reported,
    /// a wait keeping its deadline. An instance whose definition version is no longer saved cannot be resumed; its
    /// record ends as failed, saying why. Returns how many were resumed and how many ended.
    /// </summary>
    public async Task<(int Resumed, int Ended)> ResumeLostAsync(IJourneyRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var (resumed, ended) = (0, 0);
        foreach (var journey in await store.ListAsync(cancellationToken))
        {
            foreach (var status in new[] { JourneyInstanceStatus.Pending, JourneyInstanceStatus.Running })
            {
                string? after = null;
                do
                {
                    var page = await instances.ListAsync(journey.Id, status, after, MaxPageSize, cancellationToken);
                    foreach (var instance in page.Instances)
                    {
                        if (await runtime.GetStatusAsync(instance.InstanceId, cancellationToken) is not null)
                        {
                            continue;
                        }

                        if (instance.JourneyVersion == journey.Version)
                        {
                            var resume = instance.Status == JourneyInstanceStatus.Pending ? null : instance.ResumePoint();
                            await runtime.StartAsync(instance.InstanceId, new JourneyRun(journey.Visible(), instance.ProfileId, instance.Enrollment, resume), cancellationToken);
                            resumed++;
                        }
                        else if (await instances.GetAsync(journey.Id, instance.InstanceId, cancellationToken) is { Instance.IsActive: true } stored)
                        {
                            var reason = FormattableString.Invariant($"lost: the host restarted and version {instance.JourneyVersion} is no longer saved");
                            var failed = stored.Instance with { Status = JourneyInstanceStatus.Failed, Reason = reason, Step = null, EndedAt = time.GetUtcNow() };
                            ended += await instances.TryReplaceAsync(failed, stored.VersionTag, cancellationToken) ? 1 : 0;
                        }
                    }

                    after = page.Next;
                }
                while (after is not null);
            }
        }

        return (resumed, ended);
    }

    /// <summary>Every instance of one profile, of any journey (deleted ones too), by journey and instance id.</summary>
    public Task<IReadOnlyList<JourneyInstance>> ForProfileAsync(string profileId, CancellationToken cancellationToken) =>
        instances.ListAllForProfileAsync(profileId, cancellationToken);

    /// <summary>Counts over every instance of a journey: entered, running, completed, exited by reason, per-step.</summary>
    public async Task<JourneyMetrics> MetricsAsync(string journeyId, CancellationToken cancellationToken)
    {
        long entered = 0;
        var statuses = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var exits = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var steps = new SortedDictionary<string, long>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            var page = await instances.ListAsync(journeyId, null, after, MaxPageSize, cancellationToken);
            foreach (var instance in page.Instances)
            {
                entered++;
                Increment(statuses, JsonNamingPolicy.CamelCase.ConvertName(instance.Status.ToString()));
                if (instance.Status == JourneyInstanceStatus.Exited)
                {
                    Increment(exits, instance.Reason ?? "unknown");
                }

                foreach (var step in (instance.History ?? []).Select(h => h.Step).Where(s => s.StartsWith("steps", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal))
                {
                    Increment(steps, step);
                }
            }

            after = page.Next;
        }
        while (after is not null);

        return new JourneyMetrics(journeyId, entered, statuses, exits, steps);
    }

    private static void Increment(SortedDictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    /// <summary>What a save compares: everything but the version and the time of the save.</summary>
    private static string Content(JourneyDefinition definition) =>
        JsonSerializer.Serialize(definition with { Version = 0, UpdatedAt = default, SchemaVersion = 0, Earlier = null, DeletedAt = null }, CdpJson.Options);
}

/// <summary>The saved definition (and whether it is new), or the bad fields, or a conflict with a concurrent save.</summary>
public sealed record JourneySaveResult(JourneyDefinition? Journey, bool Created, IReadOnlyDictionary<string, string[]> Errors, bool Conflict = false);

/// <summary>An instance's record and the runtime's view of it (null when the runtime no longer has it).</summary>
public sealed record JourneyInstanceView(JourneyInstance Instance, JourneyRuntimeStatus? Runtime);

/// <summary>
/// A journey's counts: <see cref="Entered"/> (instances), <see cref="Statuses"/> (how many are pending, running,
/// completed, exited, terminated, failed), <see cref="Exits"/> (exited, by reason) and <see cref="Steps"/> (how many
/// instances reached each step, by path).
/// </summary>
public sealed record JourneyMetrics(string JourneyId, long Entered, IReadOnlyDictionary<string, long> Statuses, IReadOnlyDictionary<string, long> Exits, IReadOnlyDictionary<string, long> Steps);
