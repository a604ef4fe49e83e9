namespace Cdp.Core.Journeys;

/// <summary>Ends a person's journey instances for good: terminated (reason <c>erased</c>), their runtime history purged, their records deleted.</summary>
public static class JourneyErasure
{
    /// <summary>Every instance of <paramref name="profileId"/>, of any journey (deleted ones too); how many records it deleted.</summary>
    public static async Task<int> EraseAsync(IJourneyInstances instances, IJourneyRuntime runtime, string profileId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(runtime);
        var removed = 0;
        foreach (var instance in await instances.ListAllForProfileAsync(profileId, cancellationToken))
        {
            await runtime.TerminateAsync(instance.InstanceId, JourneyInstance.ErasedReason, cancellationToken);
            await runtime.PurgeAsync(instance.InstanceId, cancellationToken);
            removed += await instances.DeleteAsync(instance.JourneyId, instance.InstanceId, cancellationToken) ? 1 : 0;
        }

        return removed;
    }
}
