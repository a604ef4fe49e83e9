using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cdp.Core.Journeys.Actions;

/// <summary>Posts a webhook for a journey step (the hosts' signed HTTP sender; see <see cref="WebhookAction"/>).</summary>
public interface IJourneyWebhooks
{
    /// <summary>Posts once; a non-success answer or a timeout throws, so the orchestrator retries.</summary>
    Task<WebhookResult> SendAsync(JourneyWebhook webhook, CancellationToken cancellationToken);
}

/// <summary>
/// <c>webhook</c>: POSTs a JSON body (a <see cref="JourneyTemplate"/>) to a URL, signed with HMAC, with the step's key
/// as <c>Idempotency-Key</c>; <c>timeout</c> per attempt. It contacts the person, so it runs only while they grant the
/// journey's purpose. A built-in plugin of the same contract as any other (<see cref="IJourneyAction"/>). The sender is
/// asked for when a webhook is sent (it reads the instance's record through the activities, which hold the actions).
/// </summary>
public sealed class WebhookAction(Func<IJourneyWebhooks?>? webhooks = null) : IJourneyAction
{
    /// <summary>Per attempt when the step says nothing.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public string Name => JourneyStep.Webhook;

    public string Label => "Webhook";

    public string Description => "POST a JSON body to a URL, signed with HMAC, retried; only when the journey's purpose is granted at that moment.";

    public IReadOnlyList<JourneyStepField> Fields { get; } =
    [
        new("url", JourneyPalette.Url, true, "An absolute http or https URL."),
        new("body", JourneyPalette.Json, false, "A JSON template: strings may hold {{profile.id}}, {{traits.NAME}}, {{journey.id}}, {{instance.id}}."),
        new("timeout", JourneyPalette.Duration, false, "Per attempt (at most PT2M)."),
    ];

    public bool ContactsPerson => true;

    public IEnumerable<(string Field, string Problem)> Validate(JsonObject settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (Url(settings) is null)
        {
            yield return ("url", "A webhook needs an absolute http or https URL.");
        }

        if (BuiltIn.Text(settings, "timeout") is { } timeout && !JourneyValidator.TryParseDuration(timeout, out _, JourneyValidator.MaxWebhookTimeout))
        {
            yield return ("timeout", $"A webhook timeout is an ISO 8601 duration of at most {JourneyValidator.MaxWebhookTimeout.TotalSeconds} seconds.");
        }
    }

    public string Describe(JourneyActionRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var traits = run.Person.Traits;
        var body = JourneyTemplate.Render(run.Settings["body"], new JourneyTemplate.Scope(run.JourneyId, run.JourneyVersion, run.Person.ProfileId, run.InstanceId, run.Step, name => traits.GetValueOrDefault(name)));
        return $"POST {Url(run.Settings)} {body}";
    }

    public async Task RunAsync(JourneyActionRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sender = webhooks?.Invoke() ?? throw new InvalidOperationException("This host sends no webhooks (no IJourneyWebhooks is registered).");
        var url = Url(run.Settings) ?? throw new InvalidOperationException($"Step {run.Step} of journey '{run.JourneyId}' has no webhook URL (definitions are validated when saved).");
        var timeout = JourneyValidator.TryParseDuration(BuiltIn.Text(run.Settings, "timeout"), out var parsed, JourneyValidator.MaxWebhookTimeout) ? parsed : DefaultTimeout;
        // Consent was asked by the caller just before (ContactsPerson); the sender records an acknowledged step so a
        // resumed instance does not post it twice.
        await sender.SendAsync(new JourneyWebhook(url, run.Settings["body"], timeout, run.JourneyId, run.JourneyVersion, run.Person.ProfileId, run.InstanceId, run.Step), cancellationToken);
    }

    private static Uri? Url(JsonObject settings) =>
        Uri.TryCreate(BuiltIn.Text(settings, "url"), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) ? url : null;
}

/// <summary><c>setTrait</c>: sets a trait on the person (<c>trait</c> = <c>value</c>, its source <c>journey:ID</c>).</summary>
public sealed class SetTraitAction(JourneyProfileWriter? writer = null) : IJourneyAction
{
    public string Name => JourneyStep.SetTrait;

    public string Label => "Set a trait";

    public string Description => "Set a trait on the person (its source: journey:ID).";

    public IReadOnlyList<JourneyStepField> Fields { get; } =
    [
        new("trait", JourneyPalette.Text, true, "The trait's name."),
        new("value", JourneyPalette.Json, false, "Its value (JSON)."),
    ];

    public bool ContactsPerson => false;

    public IEnumerable<(string Field, string Problem)> Validate(JsonObject settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(BuiltIn.Text(settings, "trait")))
        {
            yield return ("trait", "setTrait names the trait to set.");
        }
    }

    public string Describe(JourneyActionRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return $"{BuiltIn.Text(run.Settings, "trait")} = {run.Settings["value"]?.ToJsonString() ?? "null"}";
    }

    public Task RunAsync(JourneyActionRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return BuiltIn.Writer(writer).ChangeAsync(run.Person.ProfileId, run.JourneyId, run.IdempotencyKey, BuiltIn.Text(run.Settings, "trait")!, run.Settings["value"], null, cancellationToken);
    }
}

/// <summary><c>addTag</c>: adds <c>tag</c> to the person's <c>tags</c> trait (once).</summary>
public sealed class AddTagAction(JourneyProfileWriter? writer = null) : IJourneyAction
{
    public string Name => JourneyStep.AddTag;

    public string Label => "Add a tag";

    public string Description => "Add a tag to the person's 'tags' trait.";

    public IReadOnlyList<JourneyStepField> Fields { get; } =
    [
        new("tag", JourneyPalette.Text, true, "The tag."),
    ];

    public bool ContactsPerson => false;

    public IEnumerable<(string Field, string Problem)> Validate(JsonObject settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(BuiltIn.Text(settings, "tag")))
        {
            yield return ("tag", "addTag names the tag to add.");
        }
    }

    public string Describe(JourneyActionRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return BuiltIn.Text(run.Settings, "tag") ?? string.Empty;
    }

    public Task RunAsync(JourneyActionRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return BuiltIn.Writer(writer).ChangeAsync(run.Person.ProfileId, run.JourneyId, run.IdempotencyKey, string.Empty, null, BuiltIn.Text(run.Settings, "tag")!, cancellationToken);
    }
}

internal static class BuiltIn
{
    public static JourneyProfileWriter Writer(JourneyProfileWriter? writer) =>
        writer ?? throw new InvalidOperationException("These actions are described here, not run: no profile writer was given.");

    public static string? Text(JsonObject settings, string name) =>
        settings[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
