namespace Cdp.Core.Changes;

/// <summary>
/// Something that reacts to profile changes (segments, journeys). Called at least once per change, in
/// write order per profile: a subscriber must treat a change it has already handled as a no-op.
/// </summary>
public interface IProfileChangeSubscriber
{
    Task OnProfileChangedAsync(ProfileChange change, CancellationToken cancellationToken);
}
