using System.Collections.Concurrent;
using System.Text.Json;
using Cdp.Core.Changes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Journeys;

/// <summary>
/// Enrolls a changed profile in every configured journey whose trigger it now meets. Idempotent: the
/// enrollment's instance id is derived from the journey, its version and the profile, and the runtime
/// starts an id only once, so redelivered changes and later changes never enroll the profile again.
/// </summary>
/// <remarks>
/// Ids this process has seen started are remembered (up to <see cref="MaxRemembered"/>), so that later
/// changes of an enrolled profile cost no call to the journey runtime. The runtime stays the authority:
/// after a restart, or once the memory is full and cleared, it is asked again.
/// </remarks>
public sealed class JourneyTriggers(IOptions<JourneyOptions> options, ILogger<JourneyTriggers> logger) : IProfileChangeSubscriber
{
    /// <summary>How many enrollment ids are remembered before the memory is cleared.</summary>
    public const int MaxRemembered = 100_000;

    private readonly JourneyDefinition[] _triggered = [.. options.Value.Journeys.Where(j => j.Trigger is not null)];
    private readonly ConcurrentDictionary<string, byte> _enrolled = new(StringComparer.Ordinal);

    public async Task OnProfileChangedAsync(ProfileChange change, ProfileChangeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        if (change.Deleted)
        {
            return;
        }

        foreach (var journey in _triggered)
        {
            if (!Meets(change, journey.Trigger!))
            {
                continue;
            }

            var run = new JourneyRun(journey, change.ProfileId);
            var instanceId = JourneyService.InstanceIdFor(run);
            if (_enrolled.ContainsKey(instanceId))
            {
                continue;
            }

            if (await context.Journeys.StartAsync(instanceId, run, cancellationToken))
            {
                Logs.JourneyEnrolled(logger, journey.Id, journey.Version, change.ProfileId, instanceId);
            }

            Remember(instanceId);
        }
    }

    private void Remember(string instanceId)
    {
        if (_enrolled.Count >= MaxRemembered)
        {
            _enrolled.Clear();
        }

        _enrolled.TryAdd(instanceId, 0);
    }

    private static bool Meets(ProfileChange change, JourneyTrigger trigger) =>
        trigger.TraitSet is { } trait
        && change.Profile.Traits.TryGetValue(trait, out var value)
        && value.Value is not null
        && value.Value.GetValueKind() != JsonValueKind.Null;
}
