using Microsoft.DurableTask;

namespace Cdp.Journeys;

/// <summary>
/// The version of the orchestration code an instance starts on, kept with it for its life (Durable's orchestration
/// versioning). An orchestrator replays an instance's history with the code it was started on by branching on
/// <see cref="TaskOrchestrationContext.Version"/>: a change that would schedule different work for an in-flight instance
/// raises the version and keeps the old path for older instances. The Function App's <c>host.json</c> names the same
/// version (<c>durableTask.defaultVersion</c>, with <c>versionMatchStrategy: CurrentOrOlder</c>, so a worker of an older
/// release leaves newer instances alone during a deployment); a test keeps the two equal.
/// <list type="bullet">
/// <item>none (before versioning): built-in actions as their own activities (<c>JourneyChangeProfile</c>,
/// <c>JourneyWebhook</c>), plugin actions through <c>JourneyRunAction</c> with a fixed retry policy.</item>
/// <item><c>2</c>: every action, built-in or plugged in, through <c>JourneyRunAction</c>, tried as its step says
/// (<c>retries</c>, <c>retryInterval</c>) with exit-aware waits between attempts.</item>
/// </list>
/// </summary>
public static class OrchestrationVersion
{
    /// <summary>What new instances start on.</summary>
    public const string Current = PluginActions;

    /// <summary>Every action runs as a plugin (<c>JourneyRunAction</c>).</summary>
    public const string PluginActions = "2";

    /// <summary>Options that start an instance with the id given on the current version.</summary>
    public static StartOrchestrationOptions Start(string instanceId) => new(instanceId) { Version = Current };

    /// <summary>True when the instance started on <paramref name="version"/> or later.</summary>
    public static bool IsAtLeast(TaskOrchestrationContext context, string version)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Microsoft.DurableTask.Abstractions.TaskOrchestrationVersioningUtils.CompareVersions(context.Version, version) >= 0;
    }
}
