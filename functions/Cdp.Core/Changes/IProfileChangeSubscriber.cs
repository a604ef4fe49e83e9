using Cdp.Core.Journeys;

namespace Cdp.Core.Changes;

/// <summary>
/// Something that reacts to profile changes (the segment evaluator, the journey triggers). Called at least once
/// per change, in write order per profile: a subscriber must treat a change it has already handled as a no-op.
/// </summary>
public interface IProfileChangeSubscriber
{
    Task OnProfileChangedAsync(ProfileChange change, ProfileChangeContext context, CancellationToken cancellationToken);
}

/// <summary>
/// What the host hands the subscribers for one batch: the ports whose clients are per invocation in the
/// Function App (the Durable client comes from a binding there).
/// </summary>
public sealed record ProfileChangeContext(IJourneyRuntime Journeys);
