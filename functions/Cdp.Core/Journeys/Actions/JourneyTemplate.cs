using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cdp.Core.Journeys.Actions;

/// <summary>
/// A webhook body template: strings may hold <c>{{profile.id}}</c>, <c>{{traits.NAME}}</c>, <c>{{journey.id}}</c>,
/// <c>{{journey.version}}</c>, <c>{{instance.id}}</c> and <c>{{step}}</c>. A string that is one placeholder takes the
/// value as JSON (a number stays a number); within text it is written as text. Without a template, a body naming the
/// journey, the instance, the profile and the step.
/// </summary>
public static partial class JourneyTemplate
{
    /// <summary>Where a template is filled: the run's ids and the person's traits (a missing one is null).</summary>
    public sealed record Scope(string JourneyId, long JourneyVersion, string ProfileId, string InstanceId, string Step, Func<string, JsonNode?> Trait);

    public static string Render(JsonNode? template, Scope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var body = template?.DeepClone() ?? new JsonObject
        {
            ["journeyId"] = "{{journey.id}}",
            ["instanceId"] = "{{instance.id}}",
            ["profileId"] = "{{profile.id}}",
            ["step"] = scope.Step,
        };
        return Fill(body, scope)?.ToJsonString() ?? "null";
    }

    private static JsonNode? Fill(JsonNode? node, Scope scope)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    obj[key] = Fill(child, scope);
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Fill(array[i], scope);
                }

                return array;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                var whole = Placeholder().Match(text);
                if (whole.Success && whole.Length == text.Length)
                {
                    return Resolve(whole.Groups[1].Value, scope)?.DeepClone();
                }

                return JsonValue.Create(Placeholder().Replace(text, m => Resolve(m.Groups[1].Value, scope) switch
                {
                    null => string.Empty,
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                    var other => other.ToJsonString(),
                }));
            default:
                return node;
        }
    }

    private static JsonNode? Resolve(string name, Scope scope) => name switch
    {
        "profile.id" => JsonValue.Create(scope.ProfileId),
        "journey.id" => JsonValue.Create(scope.JourneyId),
        "journey.version" => JsonValue.Create(scope.JourneyVersion),
        "instance.id" => JsonValue.Create(scope.InstanceId),
        "step" => JsonValue.Create(scope.Step),
        _ when name.StartsWith("traits.", StringComparison.Ordinal) => scope.Trait(name["traits.".Length..]),
        _ => null,
    };

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
