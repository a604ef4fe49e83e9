using System.Xml;
using Cdp.Core.Collect;

namespace Cdp.Core.Journeys;

/// <summary>Checks a journey definition before it runs, naming each bad field (e.g. <c>journey.steps[1].duration</c>).</summary>
public static class JourneyValidator
{
    /// <summary>The longest single wait: one year. Longer waits are almost always a typo.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(366);

    public static IReadOnlyDictionary<string, string[]> Validate(JourneyRun? run)
    {
        var errors = new FieldErrors();
        if (run is null)
        {
            errors.Add("body", "The body must be a JSON object with 'journey' and 'profileId'.");
            return errors.ToDictionary();
        }

        if (string.IsNullOrWhiteSpace(run.ProfileId) || run.ProfileId.IndexOfAny(['/', '\\', '#', '?']) >= 0)
        {
            errors.Add("profileId", "'profileId' is required and may not contain '/', '\\', '#' or '?'.");
        }

        if (run.Journey is null)
        {
            errors.Add("journey", "'journey' is required.");
            return errors.ToDictionary();
        }

        ValidateDefinition(run.Journey, "journey", errors);
        return errors.ToDictionary();
    }

    /// <summary>Checks a definition on its own; fields are named under <paramref name="path"/>.</summary>
    public static IReadOnlyDictionary<string, string[]> Validate(JourneyDefinition definition, string path)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var errors = new FieldErrors();
        ValidateDefinition(definition, path, errors);
        return errors.ToDictionary();
    }

    private static void ValidateDefinition(JourneyDefinition journey, string path, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(journey.Id) || journey.Id.IndexOfAny([':', '/', '\\', '#', '?']) >= 0)
        {
            errors.Add($"{path}.id", "A journey id is required and may not contain ':', '/', '\\', '#' or '?'.");
        }

        if (journey.Version < 1)
        {
            errors.Add($"{path}.version", "A journey version must be 1 or more.");
        }

        if (journey.Trigger is { } trigger && string.IsNullOrWhiteSpace(trigger.TraitSet))
        {
            errors.Add($"{path}.trigger.traitSet", "A trigger names the trait whose presence enrolls a profile.");
        }

        if (journey.Steps is null || journey.Steps.Count == 0)
        {
            errors.Add($"{path}.steps", "A journey needs at least one step.");
            return;
        }

        for (var i = 0; i < journey.Steps.Count; i++)
        {
            ValidateStep(journey.Steps[i], $"{path}.steps[{i}]", errors);
        }
    }

    /// <summary>Parses an ISO 8601 duration such as <c>PT30S</c> or <c>P1DT2H</c>.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            duration = XmlConvert.ToTimeSpan(text);
            return duration > TimeSpan.Zero && duration <= MaxWait;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static void ValidateStep(JourneyStep? step, string path, FieldErrors errors)
    {
        switch (step?.Type)
        {
            case JourneyStep.Wait:
                if (!TryParseDuration(step.Duration, out _))
                {
                    errors.Add($"{path}.duration", $"A wait needs an ISO 8601 duration (e.g. PT10M) greater than zero and at most {MaxWait.TotalDays} days.");
                }

                break;
            case JourneyStep.Webhook:
                if (step.Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                {
                    errors.Add($"{path}.url", "A webhook needs an absolute http or https URL.");
                }

                break;
            default:
                errors.Add($"{path}.type", $"Unknown step type '{step?.Type}'; expected '{JourneyStep.Wait}' or '{JourneyStep.Webhook}'.");
                break;
        }
    }
}
