using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Journeys.Actions;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;

namespace Cdp.Core.Journeys;

/// <summary>
/// What journey activities do, behind the Durable shells: answer questions about the profile now (a rule, a
/// consent at the moment of contact, its time zone), run a step's action (<see cref="RunActionAsync"/>, built-in or
/// plugged in), render a webhook body, and keep the instance's record. Questions and rendering follow a merged-away profile to its survivor
/// (the instance itself ends with reason <c>merged</c> when the merge comes through the feed); changes are not made on
/// a merged-away profile (<c>noProfile</c>). Every method is idempotent (activities run at least once).
/// </summary>
public sealed class JourneyActivities(IProfileStore profiles, IJourneyInstances instances, MergePolicy policy, TimeProvider time, JourneyActions? actions = null)
{
    private const int MaxAttempts = 5;
    private readonly ConcurrentDictionary<string, CompiledRule?> _rules = new(StringComparer.Ordinal);
    private readonly JourneyProfileWriter _writer = new(profiles, policy, time);

    /// <summary>The actions steps take (the built-in ones alone when none are given).</summary>
    public JourneyActions Actions => _actions ??= actions ?? JourneyActions.BuiltIn(_writer);

    private JourneyActions? _actions;

    public async Task<JourneyAnswer> AskAsync(JourneyQuestion question, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        // A profile merged away meanwhile answers through its survivor (its own copy is frozen): a denial there counts.
        if (await profiles.LiveAsync(question.ProfileId, cancellationToken) is not { } stored)
        {
            return new JourneyAnswer(false); // erased or never written: nothing holds, no consent
        }

        var document = stored.Profile.ToDocument();
        var now = time.GetUtcNow();
        switch (question.Kind)
        {
            case JourneyQuestion.Rule:
                var rule = _rules.GetOrAdd(question.Text, text => RuleCompiler.Compile(text).Rule)
                    ?? throw new InvalidOperationException($"The rule '{question.Text}' does not compile (definitions are validated when saved).");
                var context = new RuleContext();
                context.Reset(document, now, document.Memberships.ContainsKey);
                return new JourneyAnswer(rule.Evaluate(context));
            case JourneyQuestion.Consent:
                return new JourneyAnswer(document.Consents?.TryGetValue(question.Text, out var consent) == true && consent.GrantedAt(now));
            case JourneyQuestion.TimeZone:
                var zone = document.Traits.TryGetValue("timezone", out var trait) && trait.Value is JsonValue value && value.GetValueKind() == JsonValueKind.String
                    ? value.GetValue<string>() : null;
                return JourneyClock.TryFindZone(zone, out _) ? new JourneyAnswer(true, zone) : new JourneyAnswer(false);
            default:
                throw new ArgumentException($"Unknown question '{question.Kind}'.", nameof(question));
        }
    }

    /// <summary>The person as a plugin action sees them (their id and traits), or null when the profile is gone or merged away.</summary>
    public async Task<JourneyActionPerson?> PersonAsync(string profileId, CancellationToken cancellationToken) =>
        await profiles.GetAsync(profileId, cancellationToken) is { Profile: { MergedInto: null } profile }
            ? new JourneyActionPerson(profile.Id, profile.Traits.ToDictionary(t => t.Key, t => t.Value.Value?.DeepClone(), StringComparer.Ordinal))
            : null;

    /// <summary>
    /// Runs a plugin's action for a step (<see cref="IJourneyAction"/>) with the key <c>{instance}/{step}</c>; one that
    /// contacts the person runs only while they grant the journey's purpose now. A profile gone meanwhile: nothing runs.
    /// </summary>
    public async Task<JourneyActionOutcome> RunActionAsync(JourneyActionCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var span = CdpTracing.StartInternal("cdp.journey.step")
            ?.SetTag("cdp.journey.id", call.JourneyId)
            .SetTag("cdp.journey.instance", call.InstanceId)
            .SetTag("cdp.journey.step", call.Step)
            .SetTag("cdp.journey.action", call.Action);
        var plugin = Actions.Find(call.Action) ?? throw new InvalidOperationException($"No journey action '{call.Action}' is configured (Cdp:Plugins).");
        if (plugin.ContactsPerson && call.Purpose is { } purpose && !(await AskAsync(new JourneyQuestion(call.ProfileId, JourneyQuestion.Consent, purpose), cancellationToken)).Yes)
        {
            Stepped("consent_absent");
            return new JourneyActionOutcome(false, ConsentAbsent: true);
        }

        if (await PersonAsync(call.ProfileId, cancellationToken) is not { } person)
        {
            Stepped("profile_gone");
            return new JourneyActionOutcome(false);
        }

        var settings = JsonNode.Parse(call.Settings) as JsonObject ?? [];
        try
        {
            await plugin.RunAsync(new JourneyActionRun(call.JourneyId, call.JourneyVersion, call.InstanceId, call.Step, $"{call.InstanceId}/{call.Step}", settings, person), cancellationToken);
        }
        catch (Exception ex) when (span.FailedWith(ex))
        {
            Stepped("failed");
            throw;
        }

        Stepped("ran");
        return new JourneyActionOutcome(true);

        void Stepped(string outcome)
        {
            span?.SetTag("cdp.journey.outcome", outcome);
            CdpMetrics.JourneySteps.Add(1, KeyValuePair.Create<string, object?>("action", call.Action), KeyValuePair.Create<string, object?>("outcome", outcome));
        }
    }

    /// <summary>
    /// The activity of instances started before actions ran as plugins (orchestration version 1): sets a trait
    /// (<c>setTrait</c>) or adds a tag (<c>addTag</c>), as <see cref="SetTraitAction"/> and <see cref="AddTagAction"/> do.
    /// </summary>
    public Task<string> ChangeProfileAsync(JourneyProfileChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return _writer.ChangeAsync(change.ProfileId, change.JourneyId, change.MessageId, change.Trait, change.Value, change.Tag, cancellationToken);
    }

    /// <summary>The webhook body: the step's template with <c>{{...}}</c> placeholders filled from the profile now (<see cref="JourneyTemplate"/>).</summary>
    public async Task<string> RenderAsync(JourneyWebhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var traits = (await profiles.LiveAsync(webhook.ProfileId, cancellationToken))?.Profile.Traits;
        return JourneyTemplate.Render(webhook.Body, new JourneyTemplate.Scope(webhook.JourneyId, webhook.JourneyVersion, webhook.ProfileId, webhook.InstanceId, webhook.Step,
            name => traits is not null && traits.TryGetValue(name, out var trait) ? trait.Value : null));
    }

    /// <summary>True when the instance's record says the receiver acknowledged the webhook at <paramref name="step"/>.</summary>
    public async Task<bool> DeliveredAsync(string instanceId, string step, CancellationToken cancellationToken) =>
        JourneyInstance.JourneyIdOf(instanceId) is { } journeyId
        && (await instances.GetAsync(journeyId, instanceId, cancellationToken))?.Instance.WasDelivered(step) == true;

    /// <summary>Records in the instance's record that the receiver acknowledged the webhook at <paramref name="step"/> (once).</summary>
    public Task MarkDeliveredAsync(string instanceId, string step, CancellationToken cancellationToken) =>
        UpdateRecordAsync(instanceId, i => i.WasDelivered(step) ? null : i with { Delivered = [.. i.Delivered ?? [], step] }, cancellationToken);

    /// <summary>Applies a report of the orchestration to the instance's record (once per sequence number).</summary>
    public Task RecordAsync(JourneyReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        return UpdateRecordAsync(report.InstanceId, i => i.Apply(report), cancellationToken);
    }

    /// <summary>
    /// Changes the instance's record (<paramref name="change"/> null: nothing to change) against its version, reading it
    /// again when another write came first; no record (started by hand without one, or erased): nothing to keep.
    /// </summary>
    private async Task UpdateRecordAsync(string instanceId, Func<JourneyInstance, JourneyInstance?> change, CancellationToken cancellationToken)
    {
        var journeyId = JourneyInstance.JourneyIdOf(instanceId) ?? throw new ArgumentException($"'{instanceId}' is not a journey instance id.", nameof(instanceId));
        for (var attempt = 1; ; attempt++)
        {
            if (await instances.GetAsync(journeyId, instanceId, cancellationToken) is not { } stored
                || change(stored.Instance) is not { } next
                || await instances.TryReplaceAsync(next, stored.VersionTag, cancellationToken))
            {
                return;
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"The record of '{instanceId}' changed under {MaxAttempts} writes in a row.");
            }
        }
    }
}

/// <summary>A question an orchestration asks about its profile (<see cref="Rule"/>, <see cref="Consent"/> purpose, <see cref="TimeZone"/>).</summary>
public sealed record JourneyQuestion(string ProfileId, string Kind, string Text = "")
{
    public const string Rule = "rule";
    public const string Consent = "consent";
    public const string TimeZone = "timeZone";
}

/// <summary>The answer: yes or no, and for a time zone its id.</summary>
public sealed record JourneyAnswer(bool Yes, string? Text = null);

/// <summary>A <c>setTrait</c> (<see cref="Trait"/>, <see cref="Value"/>) or <c>addTag</c> (<see cref="Tag"/>) for one profile; <see cref="MessageId"/> is the provenance (instance and step).</summary>
public sealed record JourneyProfileChange(string ProfileId, string JourneyId, string MessageId, string Trait = "", JsonNode? Value = null, string? Tag = null);

/// <summary>
/// A webhook to post: where, the body template, per-attempt timeout, the instance it comes from, and the consent
/// purpose the contact needs (checked at every attempt; null when the journey names none).
/// </summary>
public sealed record JourneyWebhook(Uri Url, JsonNode? Body, TimeSpan Timeout, string JourneyId, long JourneyVersion, string ProfileId, string InstanceId, string Step, string? Purpose = null);

/// <summary>
/// What the receiver of a webhook answered; <see cref="ConsentAbsent"/> when it was not called because the purpose is
/// not granted; <see cref="Repeated"/> when it was not called because it acknowledged this step before (a resumed instance).
/// </summary>
public sealed record WebhookResult(int StatusCode, bool ConsentAbsent = false, bool Repeated = false);
