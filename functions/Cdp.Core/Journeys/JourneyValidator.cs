using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using Cdp.Core.Segments;

namespace Cdp.Core.Journeys;

/// <summary>
/// Checks a journey definition before it is saved, naming each bad field (e.g. <c>steps[1].then[0].duration</c>):
/// unknown step types and actions, bad durations and times of day, rules that do not compile, segments and
/// purposes that do not exist, and steps that can never run (after an <c>exit</c>).
/// </summary>
public static partial class JourneyValidator
{
    /// <summary>The longest single wait: one year. Longer waits are almost always a typo.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(366);

    /// <summary>The longest a webhook attempt may take.</summary>
    public static readonly TimeSpan MaxWebhookTimeout = TimeSpan.FromMinutes(2);

    public const int MaxRetries = 10;

    /// <summary>How deep steps may nest (branches within branches).</summary>
    public const int MaxDepth = 16;

    public static IReadOnlyDictionary<string, string[]> Validate(JourneyDefinition? journey, IReadOnlySet<string> segments, IReadOnlyCollection<string> purposes, JourneyActions? actions = null)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(purposes);
        var errors = new FieldErrors();
        if (journey is null)
        {
            errors.Add("body", "A journey is a JSON object with name, trigger and steps.");
            return errors.ToDictionary();
        }

        var check = new Checker(errors, segments, purposes, actions);
        if (!JourneyId().IsMatch(journey.Id ?? string.Empty) || journey.Id == "instances")
        {
            errors.Add("id", "A journey id is 1 to 64 letters, digits, '-' or '_' (not 'instances').");
        }

        if (string.IsNullOrWhiteSpace(journey.Name))
        {
            errors.Add("name", "A journey needs a name.");
        }

        switch (journey.Trigger)
        {
            case null or { SegmentEntered: null, Event: null }:
                errors.Add("trigger", "A trigger is 'segmentEntered' (a segment id) or 'event' (a track event name).");
                break;
            case { SegmentEntered: not null, Event: not null }:
                errors.Add("trigger", "A trigger is either 'segmentEntered' or 'event', not both.");
                break;
            case var trigger:
                check.Segment(trigger.SegmentEntered, "trigger.segmentEntered");
                check.EventName(trigger.Event, "trigger.event");
                check.Rule(trigger.Rule, "trigger.rule", required: false);
                break;
        }

        if (!JourneyReEntry.All.Contains(journey.ReEntry ?? string.Empty))
        {
            errors.Add("reEntry", $"Re-entry is one of {string.Join(", ", JourneyReEntry.All)}.");
        }

        if (journey.Exit is { } exit)
        {
            check.Segment(exit.SegmentExited, "exit.segmentExited");
            for (var i = 0; i < (exit.Events?.Count ?? 0); i++)
            {
                check.EventName(exit.Events![i], $"exit.events[{i}]", required: true);
            }
        }

        check.Purpose(journey.Purpose, "purpose", required: false);
        if (journey.TimeZone is not null && !JourneyClock.TryFindZone(journey.TimeZone, out _))
        {
            errors.Add("timeZone", $"Unknown time zone '{journey.TimeZone}': use an IANA id such as Europe/Berlin.");
        }

        if (journey.Steps is null || journey.Steps.Count == 0)
        {
            errors.Add("steps", "A journey needs at least one step.");
        }
        else
        {
            check.Steps(journey.Steps, "steps", 0);
        }

        return errors.ToDictionary();
    }

    /// <summary>Parses an ISO 8601 duration such as <c>PT30S</c> or <c>P1DT2H</c>, greater than zero and at most <paramref name="max"/>.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration, TimeSpan? max = null)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            duration = XmlConvert.ToTimeSpan(text);
            return duration > TimeSpan.Zero && duration <= (max ?? MaxWait);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Parses a time of day written <c>HH:mm</c>.</summary>
    public static bool TryParseTimeOfDay(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    private sealed class Checker(FieldErrors errors, IReadOnlySet<string> segments, IReadOnlyCollection<string> purposes, JourneyActions? actions)
    {
        public void Steps(IReadOnlyList<JourneyStep>? steps, string path, int depth)
        {
            if (steps is null)
            {
                return;
            }

            if (depth > MaxDepth)
            {
                errors.Add(path, $"Steps nest at most {MaxDepth} deep.");
                return;
            }

            for (var i = 0; i < steps.Count; i++)
            {
                var at = $"{path}[{i}]";
                if (i > 0 && steps[i - 1]?.Type == JourneyStep.Exit)
                {
                    errors.Add(at, "This step can never run: the step before it exits the journey.");
                }

                Step(steps[i], at, depth);
            }
        }

        private void Step(JourneyStep? step, string path, int depth)
        {
            switch (step?.Type)
            {
                case JourneyStep.Wait:
                    if (step.Duration is null && step.Until is null)
                    {
                        errors.Add($"{path}.duration", "A wait needs a duration, a time of day ('until'), or both.");
                    }

                    Duration(step.Duration, $"{path}.duration", required: false);
                    if (step.Until is not null && !TryParseTimeOfDay(step.Until, out _))
                    {
                        errors.Add($"{path}.until", "A time of day is written HH:mm (e.g. 09:00).");
                    }

                    break;
                case JourneyStep.WaitFor:
                    EventName(step.Event, $"{path}.event", required: true);
                    Duration(step.Timeout, $"{path}.timeout", required: true);
                    Steps(step.OnEvent, $"{path}.onEvent", depth + 1);
                    Steps(step.OnTimeout, $"{path}.onTimeout", depth + 1);
                    break;
                case JourneyStep.If:
                    Rule(step.Rule, $"{path}.rule", required: true);
                    Steps(step.Then, $"{path}.then", depth + 1);
                    Steps(step.Else, $"{path}.else", depth + 1);
                    break;
                case JourneyStep.CheckConsent:
                    Purpose(step.Purpose, $"{path}.purpose", required: true);
                    Steps(step.Else, $"{path}.else", depth + 1);
                    break;
                case JourneyStep.ActionStep:
                    Action(step, path);
                    break;
                case JourneyStep.Exit:
                    break;
                default:
                    errors.Add($"{path}.type", $"Unknown step type '{step?.Type}'; expected one of {string.Join(", ", JourneyStep.Types)}.");
                    break;
            }
        }

        /// <summary>
        /// An action step: its action known to the registry, its settings valid for it (the action says) and named
        /// among its fields, and its attempts (<c>retries</c>, <c>retryInterval</c>, for every action) in range.
        /// </summary>
        private void Action(JourneyStep step, string path)
        {
            var known = actions ?? JourneyActions.Described;
            if (known.Find(step.Action) is not { } action)
            {
                errors.Add($"{path}.action", $"Unknown action '{step.Action}'; expected one of {string.Join(", ", known.All.Select(a => a.Name))}.");
                return;
            }

            var settings = step.Settings;
            foreach (var (field, problem) in action.Validate(settings))
            {
                errors.Add($"{path}.{field}", problem);
            }

            foreach (var (name, _) in settings)
            {
                if (!action.Fields.Any(f => f.Name == name))
                {
                    errors.Add($"{path}.{name}", $"'{step.Action}' has no setting '{name}'; its settings are {string.Join(", ", [.. action.Fields.Select(f => f.Name), .. JourneyStep.ActionStepFields.Skip(2)])}.");
                }
            }

            if (step.Retries is < 1 or > MaxRetries)
            {
                errors.Add($"{path}.retries", $"Retries (attempts in all) are 1 to {MaxRetries}.");
            }

            Duration(step.RetryInterval, $"{path}.retryInterval", required: false);
        }

        private void Duration(string? text, string path, bool required)
        {
            if ((text is not null || required) && !TryParseDuration(text, out _))
            {
                errors.Add(path, $"An ISO 8601 duration (e.g. PT10M, P3D) greater than zero and at most {MaxWait.TotalDays} days.");
            }
        }

        public void Segment(string? segmentId, string path)
        {
            if (segmentId is not null && !segments.Contains(segmentId))
            {
                errors.Add(path, $"There is no segment '{segmentId}'.");
            }
        }

        public void EventName(string? name, string path, bool required = false)
        {
            if ((name is not null || required) && string.IsNullOrWhiteSpace(name))
            {
                errors.Add(path, "An event name is required.");
            }
        }

        public void Purpose(string? purpose, string path, bool required)
        {
            if ((purpose is not null || required) && !purposes.Contains(purpose ?? string.Empty))
            {
                errors.Add(path, $"Unknown consent purpose '{purpose}'; configured: {string.Join(", ", purposes)}.");
            }
        }

        public void Rule(string? rule, string path, bool required)
        {
            if (rule is null && !required)
            {
                return;
            }

            var compiled = RuleCompiler.Compile(rule);
            foreach (var error in compiled.Errors)
            {
                errors.Add(path, error.ToString());
            }

            foreach (var segment in compiled.Rule?.Segments ?? new HashSet<string>())
            {
                Segment(segment, path);
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex JourneyId();
}
