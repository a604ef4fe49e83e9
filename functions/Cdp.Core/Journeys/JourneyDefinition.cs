using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cdp.Core.Journeys;

/// <summary>
/// A journey as data (saved over <c>PUT /api/journeys/{id}</c>, versioned: one more each time it changes). What
/// enrolls a profile (<see cref="Trigger"/>), how often (<see cref="ReEntry"/>), what ends a run early
/// (<see cref="Exit"/>), the consent purpose every contact needs (<see cref="Purpose"/>) and the steps. A running
/// instance keeps the version it started with (its input carries the whole definition).
/// </summary>
/// <param name="TimeZone">The IANA time zone of <c>wait.until</c> for profiles without a <c>timezone</c> trait; UTC when absent.</param>
/// <param name="Earlier">
/// Stored, never part of the API: what steers the instances of each earlier version (<see cref="JourneySteering"/>),
/// kept when a save replaces a version, so that an instance still running it gets its own exits and awaited events.
/// </param>
/// <param name="DeletedAt">
/// Stored, never part of the API: when the journey was deleted. A deleted journey's definition stays as a record
/// that enrolls nobody but still steers its running instances; saving the id again makes the next version.
/// </param>
public sealed record JourneyDefinition(
    string Id,
    string Name,
    JourneyTrigger Trigger,
    IReadOnlyList<JourneyStep> Steps,
    string ReEntry = JourneyReEntry.Once,
    JourneyExit? Exit = null,
    string? Purpose = null,
    string? TimeZone = null,
    string? Description = null,
    long Version = 1,
    int SchemaVersion = 2,
    IReadOnlyList<JourneySteering>? Earlier = null,
    DateTimeOffset? DeletedAt = null)
{
    /// <summary>
    /// When this version was saved. A property, not a constructor parameter: a parameter defaulting to a
    /// <see cref="DateTimeOffset"/>'s <c>default</c> breaks System.Text.Json's schema export (the OpenAPI document).
    /// </summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The definition as the API shows it: without what only the store keeps.</summary>
    public JourneyDefinition Visible() => Earlier is null && DeletedAt is null ? this : this with { Earlier = null, DeletedAt = null };
}

/// <summary>
/// What enrolls a profile: entering the segment <see cref="SegmentEntered"/>, or a track event named
/// <see cref="Event"/>, when the profile then meets <see cref="Rule"/> (the segment rule language; optional).
/// </summary>
public sealed record JourneyTrigger(string? SegmentEntered = null, string? Event = null, string? Rule = null);

/// <summary>
/// What ends a run before its last step: leaving the segment <see cref="SegmentExited"/>, one of the track events
/// <see cref="Events"/>, or (unless <see cref="ConsentRevoked"/> is false) a denial of the journey's purpose.
/// </summary>
public sealed record JourneyExit(string? SegmentExited = null, IReadOnlyList<string>? Events = null, bool ConsentRevoked = true);

/// <summary>How often a profile may be enrolled.</summary>
public static class JourneyReEntry
{
    /// <summary>Once ever.</summary>
    public const string Once = "once";

    /// <summary>Again once the previous run has ended.</summary>
    public const string AfterExit = "afterExit";

    /// <summary>Every time the trigger fires (runs may overlap).</summary>
    public const string Always = "always";

    public static readonly IReadOnlyList<string> All = [Once, AfterExit, Always];
}

/// <summary>
/// One step; <see cref="Type"/> says which fields apply.
/// <list type="bullet">
/// <item><c>wait</c>: <see cref="Duration"/> (ISO 8601, e.g. <c>P3D</c>), then, with <see cref="Until"/>
/// (<c>HH:mm</c>), on to the next such time of day in the profile's time zone.</item>
/// <item><c>waitFor</c>: the track event <see cref="Event"/> for at most <see cref="Timeout"/>; then
/// <see cref="OnEvent"/> or <see cref="OnTimeout"/>.</item>
/// <item><c>if</c>: <see cref="Rule"/> against the profile now; <see cref="Then"/> or <see cref="Else"/>.</item>
/// <item><c>checkConsent</c>: <see cref="Purpose"/> granted now; if not, <see cref="Else"/>, or exit when there is none.</item>
/// <item><c>action</c>: <see cref="Action"/> names an action of the registry (<see cref="JourneyActions"/>), which reads
/// the step's <see cref="Settings"/>: the built-in <c>webhook</c> (<see cref="Url"/>, a JSON <see cref="Body"/> template,
/// <see cref="Timeout"/> per attempt), <c>setTrait</c> (<see cref="Trait"/> = <see cref="Value"/>), <c>addTag</c>
/// (<see cref="Tag"/>), or a plugin's; every action is tried <see cref="Retries"/> times <see cref="RetryInterval"/>
/// apart, doubling.</item>
/// <item><c>exit</c>: ends the run (<see cref="Reason"/> recorded).</item>
/// </list>
/// </summary>
public sealed record JourneyStep(
    string Type,
    string? Duration = null,
    string? Until = null,
    string? Event = null,
    string? Timeout = null,
    IReadOnlyList<JourneyStep>? OnEvent = null,
    IReadOnlyList<JourneyStep>? OnTimeout = null,
    string? Rule = null,
    IReadOnlyList<JourneyStep>? Then = null,
    IReadOnlyList<JourneyStep>? Else = null,
    string? Purpose = null,
    string? Action = null,
    Uri? Url = null,
    JsonNode? Body = null,
    int? Retries = null,
    string? RetryInterval = null,
    string? Trait = null,
    JsonNode? Value = null,
    string? Tag = null,
    string? Reason = null)
{
    public const string Wait = "wait";
    public const string WaitFor = "waitFor";
    public const string If = "if";
    public const string CheckConsent = "checkConsent";
    public const string ActionStep = "action";
    public const string Exit = "exit";

    public const string Webhook = "webhook";
    public const string SetTrait = "setTrait";
    public const string AddTag = "addTag";

    public static readonly IReadOnlyList<string> Types = [Wait, WaitFor, If, CheckConsent, ActionStep, Exit];

    /// <summary>The built-in actions; plugins add theirs (<see cref="JourneyActions"/>).</summary>
    public static readonly IReadOnlyList<string> Actions = [Webhook, SetTrait, AddTag];

    /// <summary>The step's fields that are not properties of this record, as sent (a plugin action's own settings).</summary>
    [System.Text.Json.Serialization.JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Extra { get; init; }

    /// <summary>The fields every action step may have beside its action's settings: its attempts.</summary>
    public static readonly IReadOnlyList<string> ActionStepFields = ["type", "action", "retries", "retryInterval"];

    private static readonly System.Text.Json.JsonSerializerOptions SettingsJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// An action step's settings, as its action (<see cref="IJourneyAction"/>) reads them: every field sent but
    /// <see cref="ActionStepFields"/>, built-in ones (<c>url</c>, <c>trait</c>...) and a plugin's own alike.
    /// </summary>
    [JsonIgnore]
    public JsonObject Settings
    {
        get
        {
            var all = System.Text.Json.JsonSerializer.SerializeToNode(this, SettingsJson) as JsonObject ?? [];
            foreach (var name in ActionStepFields)
            {
                all.Remove(name);
            }

            return all;
        }
    }
}

/// <summary>
/// The input of one journey instance: the definition (at the version it started with), the profile, the
/// enrollment, and where to pick up when the instance is started again after its host lost it (<see cref="Resume"/>).
/// </summary>
public sealed record JourneyRun(JourneyDefinition Journey, string ProfileId, int Enrollment, JourneyResume? Resume = null);

/// <summary>
/// Where a lost instance picks up: the step its record last reported (<see cref="Step"/>, a path), the record's last
/// sequence number, and the instant the wait it was in ends (<see cref="Until"/>), so the wait keeps its deadline.
/// </summary>
public sealed record JourneyResume(string Step, int Sequence, DateTimeOffset? Until = null);

/// <summary>How an instance ended: completed, or exited with a reason.</summary>
public sealed record JourneyOutcome(JourneyInstanceStatus Status, string? Reason = null);

/// <summary>
/// A signal raised to a running instance: a track event it may wait for (<see cref="JourneySignals.EventPrefix"/>
/// + name) or an exit (<see cref="JourneySignals.Exit"/>, <see cref="Reason"/> saying why). <see cref="Id"/> names
/// what raised it (the profile version), so that the same signal raised again by a redelivered change is ignored.
/// </summary>
public sealed record JourneySignal(DateTimeOffset At, string? Reason = null, string? Id = null);

/// <summary>The names of the external events journey instances listen to.</summary>
public static class JourneySignals
{
    public const string Exit = "cdp.exit";
    public const string EventPrefix = "cdp.event.";

    public static string ForEvent(string eventName) => EventPrefix + eventName;
}

[JsonConverter(typeof(JsonStringEnumConverter<JourneyInstanceStatus>))]
public enum JourneyInstanceStatus
{
    /// <summary>Enrolled; the orchestration has not reported yet.</summary>
    Pending,
    Running,
    Completed,

    /// <summary>Ended early: an exit condition, a consent missing at contact, an <c>exit</c> step, a merge.</summary>
    Exited,
    Terminated,
    Failed,
}
