namespace Cdp.Core.Journeys;

/// <summary>
/// One kind of step as an editor offers it: a step <see cref="Type"/> (and for <c>action</c> steps the
/// <see cref="Action"/>), a label, what it does, and the fields it is configured with.
/// </summary>
public sealed record JourneyStepType(string Type, string? Action, string Label, string Description, IReadOnlyList<JourneyStepField> Fields);

/// <summary>
/// A field of a step: its name in the definition (a property of <see cref="JourneyStep"/>), its
/// <see cref="Kind"/> (how to ask for it), whether it is required, and what it means.
/// </summary>
/// <param name="Kind">
/// <c>duration</c> (ISO 8601, e.g. <c>PT10M</c>), <c>timeOfDay</c> (<c>HH:mm</c>), <c>event</c> (a track event name),
/// <c>rule</c> (the segment rule language), <c>purpose</c> (a configured consent purpose), <c>url</c>, <c>json</c>,
/// <c>integer</c>, <c>text</c>, or <c>steps</c> (a branch: a list of steps).
/// </param>
public sealed record JourneyStepField(string Name, string Kind, bool Required, string Description);

/// <summary>
/// Every step type and action the journey interpreter runs, with its fields: what <c>GET /api/journey-steps</c> serves
/// to editors (the console's palette), so a new type or action shows there without a change to them. The steps are
/// listed here; the actions, built-in or plugged in, come from the registry (<see cref="JourneyActions"/>), each with its
/// own fields and the attempts every action step has (<see cref="Attempts"/>). A test keeps it in step with
/// <see cref="JourneyStep.Types"/>, the validator and <see cref="JourneyStep"/>'s properties.
/// </summary>
public static class JourneyPalette
{
    public const string Duration = "duration";
    public const string TimeOfDay = "timeOfDay";
    public const string Event = "event";
    public const string Rule = "rule";
    public const string Purpose = "purpose";
    public const string Url = "url";
    public const string Json = "json";
    public const string WholeNumber = "integer";
    public const string Text = "text";
    public const string Steps = "steps";

    /// <summary>The fields of every action step beside its action's own: how often and how far apart it is tried.</summary>
    public static IReadOnlyList<JourneyStepField> Attempts { get; } =
    [
        new("retries", WholeNumber, false, $"Attempts in all (1 to {JourneyValidator.MaxRetries}; 5 when absent)."),
        new("retryInterval", Duration, false, "Before the second attempt (PT5S when absent); doubling after, up to an hour."),
    ];

    /// <summary>The steps, then each action of <paramref name="actions"/> (built-in ones first) with its fields, then <c>exit</c>.</summary>
    public static IReadOnlyList<JourneyStepType> With(JourneyActions actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var exit = All.Count - 1; // the exit step stays last
        return [.. All.Take(exit), .. actions.All.Select(a => new JourneyStepType(JourneyStep.ActionStep, a.Name, a.Label, a.Description, [.. a.Fields, .. Attempts])), All[exit]];
    }

    /// <summary>The steps other than actions.</summary>
    public static IReadOnlyList<JourneyStepType> All { get; } =
    [
        new(JourneyStep.Wait, null, "Wait", "Wait for a time, then (with 'until') on to the next such time of day in the person's time zone.",
        [
            new("duration", Duration, false, "How long, e.g. PT10M, P3D."),
            new("until", TimeOfDay, false, "Then on to this time of day, HH:mm."),
        ]),
        new(JourneyStep.WaitFor, null, "Wait for an event", "Wait for the person's track event, at most for the timeout; then one branch or the other.",
        [
            new("event", Event, true, "The track event's name."),
            new("timeout", Duration, true, "How long at most, e.g. P1D."),
            new("onEvent", Steps, false, "What follows when the event comes."),
            new("onTimeout", Steps, false, "What follows when it does not."),
        ]),
        new(JourneyStep.If, null, "If", "Ask a rule about the person now; one branch or the other.",
        [
            new("rule", Rule, true, "A segment rule, e.g. text(\"plan\") == \"pro\"."),
            new("then", Steps, false, "What follows when the rule holds."),
            new("else", Steps, false, "What follows when it does not."),
        ]),
        new(JourneyStep.CheckConsent, null, "Check consent", "Go on only when the person granted the purpose now; otherwise the 'else' branch, or exit.",
        [
            new("purpose", Purpose, true, "A consent purpose."),
            new("else", Steps, false, "What follows when it is not granted (without it, the run exits)."),
        ]),
        new(JourneyStep.Exit, null, "Exit", "End the run here.",
        [
            new("reason", Text, false, "Recorded as the run's exit reason."),
        ]),
    ];
}
