using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cdp.Core.Journeys;

namespace Cdp.Journeys.Tests;

/// <summary>
/// A test plugin, <c>{"type":"action","action":"flaky","failures":N}</c>: its first N attempts of a step throw, the next
/// one succeeds. It counts attempts by idempotency key, so tests see how often the orchestrator tried a step.
/// </summary>
public sealed class FlakyAction : IJourneyAction
{
    public ConcurrentDictionary<string, int> Attempts { get; } = new(StringComparer.Ordinal);

    public string Name => "flaky";

    public string Label => "Flaky";

    public string Description => "Fails its first attempts (tests).";

    public IReadOnlyList<JourneyStepField> Fields { get; } = [new("failures", JourneyPalette.WholeNumber, true, "Attempts that fail before one succeeds.")];

    public bool ContactsPerson => false;

    public IEnumerable<(string Field, string Problem)> Validate(JsonObject settings) =>
        settings["failures"] is JsonValue value && value.TryGetValue<int>(out var failures) && failures >= 0 ? [] : [("failures", "A whole number of failures.")];

    public string Describe(JourneyActionRun run) => "flaky";

    public Task RunAsync(JourneyActionRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var attempt = Attempts.AddOrUpdate(run.IdempotencyKey, 1, (_, n) => n + 1);
        return attempt <= run.Settings["failures"]!.GetValue<int>()
            ? throw new InvalidOperationException($"Attempt {attempt} fails.")
            : Task.CompletedTask;
    }
}
