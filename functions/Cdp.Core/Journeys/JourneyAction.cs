using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Core.Journeys;

/// <summary>
/// An action a journey step can take, contributed by a plugin: a step <c>{"type":"action","action":NAME, …settings}</c>
/// runs it. A plugin names itself, describes its settings (the step palette shows them as a form, so the console needs
/// no change), checks a step's settings when the journey is saved, describes what a run would do (dry runs), and runs:
/// at least once, with a key that is the same on every attempt of the same step of the same run, so that it can make
/// a repeat do nothing. Plugins live in their own assemblies, named in configuration (<c>Cdp:Plugins</c>); nothing in
/// Core, the journey interpreter or the HTTP layer changes for one (docs/integrations.md).
/// </summary>
public interface IJourneyAction
{
    /// <summary>The step's <c>action</c>: letters and digits, unique among actions.</summary>
    string Name { get; }

    /// <summary>What the palette calls it.</summary>
    string Label { get; }

    /// <summary>What it does, in a sentence.</summary>
    string Description { get; }

    /// <summary>Its settings, as the palette describes fields (kinds: <see cref="JourneyPalette"/>'s constants).</summary>
    IReadOnlyList<JourneyStepField> Fields { get; }

    /// <summary>Whether it contacts the person: then it runs only while they grant the journey's consent purpose (asked at the moment of the run).</summary>
    bool ContactsPerson { get; }

    /// <summary>What is wrong with a step's settings, by field name; nothing when they are fine.</summary>
    IEnumerable<(string Field, string Problem)> Validate(JsonObject settings);

    /// <summary>What a run would do for the person now (dry runs, whose instance id is <c>dry-run</c>): nothing may be changed or sent.</summary>
    string Describe(JourneyActionRun run);

    /// <summary>Runs the action; a repeat with the same <see cref="JourneyActionRun.IdempotencyKey"/> must change nothing more. A failure is retried, then fails the run.</summary>
    Task RunAsync(JourneyActionRun run, CancellationToken cancellationToken);
}

/// <summary>The person as an action sees them: their profile id and the traits held on them (only those they allowed to be kept).</summary>
public sealed record JourneyActionPerson(string ProfileId, IReadOnlyDictionary<string, JsonNode?> Traits);

/// <summary>One run of an action: where in which journey, the key that is the same on every attempt, the step's settings, the person.</summary>
public sealed record JourneyActionRun(string JourneyId, long JourneyVersion, string InstanceId, string Step, string IdempotencyKey, JsonObject Settings, JourneyActionPerson Person);

/// <summary>What the interpreter hands the action activity (settings as JSON text, so any serializer carries them).</summary>
public sealed record JourneyActionCall(string JourneyId, long JourneyVersion, string ProfileId, string InstanceId, string Step, string Action, string Settings, string? Purpose);

/// <summary>Whether the action ran, or was not run because the person does not grant the journey's purpose now.</summary>
public sealed record JourneyActionOutcome(bool Ran, bool ConsentAbsent = false);

/// <summary>
/// The journey actions by name: the built-in ones (<c>webhook</c>, <c>setTrait</c>, <c>addTag</c>, plugins of the same
/// contract), the other <see cref="IJourneyAction"/> services, and those in the assemblies configuration names
/// (<c>Cdp:Plugins</c>: a list of assembly files, relative to the app's folder or absolute); every public, concrete
/// <see cref="IJourneyAction"/> in them is made with the app's services. A name taken twice stops the host at its
/// first use. The validator, the step palette, dry runs and the orchestrator know actions only through it.
/// </summary>
public sealed class JourneyActions
{
    public const string Section = "Cdp:Plugins";

    private readonly Dictionary<string, IJourneyAction> _byName = new(StringComparer.Ordinal);
    private readonly List<IJourneyAction> _all = [];

    public JourneyActions(IEnumerable<IJourneyAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        foreach (var action in actions)
        {
            if (!_byName.TryAdd(action.Name, action))
            {
                throw new InvalidOperationException($"Two journey actions are named '{action.Name}' ({action.GetType().FullName}).");
            }

            _all.Add(action);
        }
    }

    /// <summary>Every action, built-in ones first, in the order registered.</summary>
    public IReadOnlyList<IJourneyAction> All => _all;

    public IJourneyAction? Find(string? name) => name is null ? null : _byName.GetValueOrDefault(name);

    /// <summary>The built-in actions alone (and <paramref name="others"/>), for code that builds its services by hand; without a writer or webhooks they validate and describe, but cannot run.</summary>
    public static JourneyActions BuiltIn(Actions.JourneyProfileWriter? writer = null, Actions.IJourneyWebhooks? webhooks = null, params IJourneyAction[] others) =>
        new([new Actions.WebhookAction(webhooks is null ? null : () => webhooks), new Actions.SetTraitAction(writer), new Actions.AddTagAction(writer), .. others]);

    /// <summary>The built-in actions, to validate and describe steps with (they cannot run).</summary>
    public static JourneyActions Described { get; } = BuiltIn();

    /// <summary>
    /// Registers the registry: the built-in actions (the webhook one sends through the host's
    /// <see cref="Actions.IJourneyWebhooks"/>, when it registers one), the <see cref="IJourneyAction"/> services and those
    /// in the assemblies <c>Cdp:Plugins</c> names.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<Actions.JourneyProfileWriter>();
        services.AddSingleton(sp => new JourneyActions(
            new IJourneyAction[]
            {
                new Actions.WebhookAction(sp.GetService<Actions.IJourneyWebhooks>),
                ActivatorUtilities.CreateInstance<Actions.SetTraitAction>(sp),
                ActivatorUtilities.CreateInstance<Actions.AddTagAction>(sp),
            }.Concat(sp.GetServices<IJourneyAction>()).Concat(Load(sp))));
    }

    private static IEnumerable<IJourneyAction> Load(IServiceProvider services)
    {
        var configuration = services.GetService<IConfiguration>();
        foreach (var file in configuration?.GetSection(Section).Get<string[]>() ?? [])
        {
            var path = Path.IsPathRooted(file) ? file : Path.Combine(AppContext.BaseDirectory, file);
            var assembly = Assembly.LoadFrom(path);
            foreach (var type in assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IJourneyAction).IsAssignableFrom(t)))
            {
                yield return (IJourneyAction)ActivatorUtilities.CreateInstance(services, type);
            }
        }
    }
}
