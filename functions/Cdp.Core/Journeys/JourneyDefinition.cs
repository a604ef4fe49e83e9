namespace Cdp.Core.Journeys;

/// <summary>
/// A journey as data: an id, a version, the steps to take in order, and optionally what enrolls a profile
/// automatically. A running instance keeps the definition it started with.
/// </summary>
public sealed record JourneyDefinition(string Id, int Version, IReadOnlyList<JourneyStep> Steps, JourneyTrigger? Trigger = null);

/// <summary>
/// What enrolls a profile without an explicit request, evaluated on every profile change.
/// <see cref="TraitSet"/>: the profile has a non-null value for that trait (e.g. <c>email</c> for a welcome
/// journey). Segment-based triggers replace this once segments exist.
/// </summary>
public sealed record JourneyTrigger(string? TraitSet = null);

/// <summary>
/// One step. <c>wait</c> pauses for <see cref="Duration"/> (ISO 8601, e.g. <c>PT10M</c>, <c>P3D</c>);
/// <c>webhook</c> posts the run's details as JSON to <see cref="Url"/>.
/// </summary>
public sealed record JourneyStep(string Type, string? Duration = null, Uri? Url = null)
{
    public const string Wait = "wait";
    public const string Webhook = "webhook";
}

/// <summary>The input of one journey instance: the definition it runs and the profile it runs for.</summary>
public sealed record JourneyRun(JourneyDefinition Journey, string ProfileId);

/// <summary>What an instance reports when it ends: how many steps it took.</summary>
public sealed record JourneyOutcome(int StepsCompleted);

/// <summary>The body posted by a <c>webhook</c> step (and the input of the activity that posts it).</summary>
public sealed record WebhookCall(Uri Url, string JourneyId, int JourneyVersion, string ProfileId, string InstanceId, int Step);

/// <summary>What the receiver of a webhook answered.</summary>
public sealed record WebhookResult(int StatusCode);
