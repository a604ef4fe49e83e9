using System.Globalization;
using Cdp.Core.Profiles;

namespace Cdp.Core.Journeys;

/// <summary>
/// The body of <c>POST /api/journeys/dryrun</c>: a person (<see cref="ProfileId"/>) and a journey, saved
/// (<see cref="JourneyId"/>) or not yet (<see cref="Journey"/>, as an editor holds it).
/// </summary>
public sealed record JourneyDryRunRequest(string? ProfileId, string? JourneyId = null, JourneyDefinition? Journey = null);

/// <summary>A step the dry run passed: its path, type, what it decided (the outcome a run would record) and what it would do.</summary>
public sealed record JourneyDryRunStep(string Step, string Type, string Outcome, string? Detail = null);

/// <summary>
/// The path a journey would take for a person now: whether they would be enrolled now (<see cref="Enrollment"/> says
/// why), the steps in order with the instant each would run at, and how the run would end.
/// </summary>
public sealed record JourneyDryRunResult(string ProfileId, string JourneyId, bool WouldEnroll, string Enrollment, IReadOnlyList<JourneyDryRunStep> Path, string Ending);

/// <summary>What a dry run answers: the result, or the bad fields, or that the person or journey is not there.</summary>
public sealed record JourneyDryRunOutcome(JourneyDryRunResult? Result, IReadOnlyDictionary<string, string[]> Errors, string? Missing = null);

/// <summary>
/// Walks a journey's steps for one person as the interpreter would, answering every question from the profile now and
/// changing nothing: no instance, no webhook call, no trait written. Waits move a simulated clock (their end is shown);
/// a <c>waitFor</c> is taken to time out (its <c>onEvent</c> branch is named, not walked); rules, consents and the
/// webhook's body are asked of the profile as it is now (later steps see it unchanged: a <c>setTrait</c> is not applied).
/// </summary>
public sealed class JourneyDryRun(JourneyService journeys, JourneyActivities activities, IProfileStore profiles, TimeProvider time)
{
    /// <summary>The id a definition without one is walked under.</summary>
    public const string UnsavedId = "unsaved";

    /// <summary>The instance id actions see in a dry run.</summary>
    public const string DryRunInstance = "dry-run";

    public async Task<JourneyDryRunOutcome> RunAsync(JourneyDryRunRequest? request, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request?.ProfileId))
        {
            errors.Add("profileId", "Name the profile to walk the journey for.");
        }

        if ((request?.JourneyId is null) == (request?.Journey is null))
        {
            errors.Add("journeyId", "Give either 'journeyId' (a saved journey) or 'journey' (a definition).");
        }

        if (errors.Count > 0)
        {
            return new JourneyDryRunOutcome(null, errors.ToDictionary());
        }

        var journey = request!.Journey is { } given ? given with { Id = given.Id ?? UnsavedId, ReEntry = given.ReEntry ?? JourneyReEntry.Once } : await journeys.GetAsync(request.JourneyId!, cancellationToken);
        if (journey is null)
        {
            return new JourneyDryRunOutcome(null, FieldErrors.None, $"There is no journey '{request.JourneyId}'.");
        }

        var invalid = await journeys.ValidateAsync(journey, cancellationToken);
        if (invalid.Count > 0)
        {
            return new JourneyDryRunOutcome(null, invalid.ToDictionary(e => "journey." + e.Key, e => e.Value, StringComparer.Ordinal));
        }

        if (await profiles.LiveAsync(request.ProfileId!, cancellationToken) is not { } stored)
        {
            return new JourneyDryRunOutcome(null, FieldErrors.None, $"There is no profile '{request.ProfileId}'.");
        }

        var profileId = stored.Profile.Id;
        var (wouldEnroll, enrollment) = await EnrollmentAsync(journey, stored.Profile.ToDocument(), profileId, cancellationToken);
        var walk = new Walk(activities, journeys.Actions, journey, profileId, time.GetUtcNow().UtcDateTime, cancellationToken);
        var ending = await walk.StepsAsync(journey.Steps, "steps") ?? "completed";
        return new JourneyDryRunOutcome(new JourneyDryRunResult(profileId, journey.Id, wouldEnroll, enrollment, walk.Path, ending), FieldErrors.None);
    }

    private async Task<(bool, string)> EnrollmentAsync(JourneyDefinition journey, ProfileDocument document, string profileId, CancellationToken cancellationToken)
    {
        var trigger = journey.Trigger;
        if (trigger.Rule is { } rule && !(await activities.AskAsync(new JourneyQuestion(profileId, JourneyQuestion.Rule, rule), cancellationToken)).Yes)
        {
            return (false, $"The trigger's rule does not hold for this person now: {rule}");
        }

        return trigger.SegmentEntered is { } segment
            ? document.Memberships.ContainsKey(segment)
                ? (true, $"In segment '{segment}' now: entering it enrolls.")
                : (false, $"Not in segment '{segment}' now: enrolled when they enter it.")
            : (true, $"Enrolled by the track event '{trigger.Event}' (re-entry: {journey.ReEntry}).");
    }

    private sealed class Walk(JourneyActivities activities, JourneyActions actions, JourneyDefinition journey, string profileId, DateTime now, CancellationToken cancellationToken)
    {
        private DateTime _at = now;

        public List<JourneyDryRunStep> Path { get; } = [];

        /// <summary>Walks the steps; how the run ends when a step ends it, else null.</summary>
        public async Task<string?> StepsAsync(IReadOnlyList<JourneyStep>? steps, string path)
        {
            for (var i = 0; i < (steps?.Count ?? 0); i++)
            {
                if (await StepAsync(steps![i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")) is { } ending)
                {
                    return ending;
                }
            }

            return null;
        }

        private async Task<string?> StepAsync(JourneyStep step, string path)
        {
            switch (step.Type)
            {
                case JourneyStep.Wait:
                    TimeOnly? until = JourneyValidator.TryParseTimeOfDay(step.Until, out var timeOfDay) ? timeOfDay : null;
                    var zone = TimeZoneInfo.Utc;
                    if (until is not null)
                    {
                        var own = await AskAsync(JourneyQuestion.TimeZone, string.Empty);
                        zone = JourneyClock.TryFindZone(own.Yes ? own.Text : journey.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
                    }

                    _at = JourneyClock.FireAt(_at, JourneyValidator.TryParseDuration(step.Duration, out var wait) ? wait : null, until, zone);
                    Add(path, step, "waits", $"until {Instant(_at)}");
                    return null;
                case JourneyStep.WaitFor:
                    _at += JourneyValidator.TryParseDuration(step.Timeout, out var timeout) ? timeout : TimeSpan.Zero;
                    Add(path, step, "timeout", $"waits for '{step.Event}' until {Instant(_at)}; taken to time out (if it comes: {step.OnEvent?.Count ?? 0} steps of onEvent instead)");
                    return await StepsAsync(step.OnTimeout, path + ".onTimeout");
                case JourneyStep.If:
                    var holds = (await AskAsync(JourneyQuestion.Rule, step.Rule!)).Yes;
                    Add(path, step, holds ? "then" : "else", step.Rule);
                    return await StepsAsync(holds ? step.Then : step.Else, path + (holds ? ".then" : ".else"));
                case JourneyStep.CheckConsent:
                    if ((await AskAsync(JourneyQuestion.Consent, step.Purpose!)).Yes)
                    {
                        Add(path, step, "granted", step.Purpose);
                        return null;
                    }

                    Add(path, step, "absent", step.Purpose);
                    return step.Else is null ? "exited: consentAbsent:" + step.Purpose : await StepsAsync(step.Else, path + ".else");
                case JourneyStep.ActionStep:
                    return await ActAsync(step, path);
                case JourneyStep.Exit:
                    Add(path, step, step.Reason ?? "exitStep");
                    return "exited: " + (step.Reason ?? "exitStep");
                default:
                    throw new InvalidOperationException($"Step {path} is not runnable ('{step.Type}'); definitions are validated first.");
            }
        }

        private async Task<string?> ActAsync(JourneyStep step, string path)
        {
            var action = actions.Find(step.Action) ?? throw new InvalidOperationException($"Step {path} has no configured action ('{step.Action}'); definitions are validated first.");
            if (action.ContactsPerson && journey.Purpose is { } needed && !(await AskAsync(JourneyQuestion.Consent, needed)).Yes)
            {
                Add(path, step, "consentAbsent", needed);
                return "exited: consentAbsent:" + needed;
            }

            var person = await activities.PersonAsync(profileId, cancellationToken) ?? new JourneyActionPerson(profileId, new Dictionary<string, System.Text.Json.Nodes.JsonNode?>());
            var run = new JourneyActionRun(journey.Id, journey.Version, DryRunInstance, path, $"{DryRunInstance}/{path}", step.Settings, person);
            Add(path, step, step.Action!, action.Describe(run));
            return null;
        }

        private Task<JourneyAnswer> AskAsync(string kind, string text) => activities.AskAsync(new JourneyQuestion(profileId, kind, text), cancellationToken);

        private void Add(string path, JourneyStep step, string outcome, string? detail = null) =>
            Path.Add(new JourneyDryRunStep(path, step.Action is { } action && step.Type == JourneyStep.ActionStep ? $"{step.Type}:{action}" : step.Type, outcome, detail));

        private static string Instant(DateTime at) => new DateTimeOffset(at, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
    }
}
