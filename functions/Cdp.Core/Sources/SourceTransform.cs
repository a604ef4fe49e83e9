using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cdp.Core.Sources;

/// <summary>
/// One step of a source's transformation (<see cref="SourceDefinition.Transform"/>), applied in order to each message
/// at intake, before it is checked. Paths are dotted (<c>properties.price</c>, <c>traits.address.city</c>,
/// <c>context.page.url</c>):
/// <list type="bullet">
/// <item><c>copy</c> <c>from</c> → <c>to</c> (map a field into traits or properties), <c>rename</c> (copy, then drop <c>from</c>),</item>
/// <item><c>drop</c> <c>path</c>, <c>set</c> <c>path</c> to the text <c>value</c>,</item>
/// <item><c>coerce</c> <c>path</c> <c>to</c> string, number, integer or boolean (a value that cannot be refuses the message: a dead letter),</item>
/// <item><c>trim</c>, <c>lowercase</c>, <c>uppercase</c> a text at <c>path</c>,</item>
/// <item><c>keepIf</c> / <c>dropIf</c>: keep only, or drop, the messages whose value at <c>path</c> is one of <c>in</c> (dropped ones are counted, not kept).</item>
/// </list>
/// A step whose path is absent from a message does nothing to it.
/// </summary>
public sealed class TransformStep
{
    public string Op { get; set; } = string.Empty;

    public string? Path { get; set; }

    public string? From { get; set; }

    public string? To { get; set; }

    public string? Value { get; set; }

    public List<string>? In { get; set; }
}

/// <summary>Checks and applies a source's transformation (<see cref="TransformStep"/>).</summary>
public static class SourceTransform
{
    public static readonly IReadOnlyList<string> Ops = ["copy", "rename", "drop", "set", "coerce", "trim", "lowercase", "uppercase", "keepIf", "dropIf"];

    public static readonly IReadOnlyList<string> Types = ["string", "number", "integer", "boolean"];

    /// <summary>The most steps a source's transformation may have.</summary>
    public const int MaxSteps = 50;

    private const int MaxDepth = 8;

    /// <summary>What is wrong with the steps, by field (<c>transform[2].path</c>).</summary>
    public static IEnumerable<(string Field, string Problem)> Problems(IReadOnlyList<TransformStep>? steps)
    {
        if (steps is null)
        {
            yield break;
        }

        if (steps.Count > MaxSteps)
        {
            yield return ("transform", $"At most {MaxSteps} steps.");
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"transform[{i}]");
            var step = steps[i];
            if (step is null || !Ops.Contains(step.Op))
            {
                yield return ($"{at}.op", $"One of {string.Join(", ", Ops)}.");
                continue;
            }

            var paths = step.Op is "copy" or "rename" ? new[] { ("from", step.From), ("to", step.To) } : [("path", step.Path)];
            foreach (var (name, path) in paths)
            {
                if (!IsPath(path))
                {
                    yield return ($"{at}.{name}", $"A dotted path of 1 to {MaxDepth} names, e.g. properties.price or traits.email.");
                }
            }

            switch (step.Op)
            {
                case "set" when step.Value is null:
                    yield return ($"{at}.value", "set needs the value (text).");
                    break;
                case "coerce" when step.To is null || !Types.Contains(step.To):
                    yield return ($"{at}.to", $"One of {string.Join(", ", Types)}.");
                    break;
                case "keepIf" or "dropIf" when step.In is not { Count: > 0 }:
                    yield return ($"{at}.in", "The values to match (a list of one or more).");
                    break;
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="steps"/> to <paramref name="message"/> in place: kept (null, false), dropped by a filter
    /// (null, true), or refused with the problem (a coercion that cannot be made).
    /// </summary>
    public static (string? Problem, bool Dropped) Apply(JsonObject message, IReadOnlyList<TransformStep> steps)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(steps);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            switch (step.Op)
            {
                case "copy" or "rename":
                    if (Find(message, step.From!) is { } found)
                    {
                        Put(message, step.To!, found.Value?.DeepClone());
                        if (step.Op == "rename")
                        {
                            found.Parent.Remove(found.Name);
                        }
                    }

                    break;
                case "drop":
                    if (Find(message, step.Path!) is { } dropped)
                    {
                        dropped.Parent.Remove(dropped.Name);
                    }

                    break;
                case "set":
                    Put(message, step.Path!, JsonValue.Create(step.Value));
                    break;
                case "coerce":
                    if (Find(message, step.Path!) is { Value: { } value } target && Coerce(value, step.To!) is var (coerced, ok))
                    {
                        if (!ok)
                        {
                            return (string.Create(CultureInfo.InvariantCulture, $"transform[{i}]: {step.Path} ({value.ToJsonString()}) is not {(step.To == "integer" ? "an integer" : "a " + step.To)}."), false);
                        }

                        target.Parent[target.Name] = coerced;
                    }

                    break;
                case "trim" or "lowercase" or "uppercase":
                    if (Find(message, step.Path!) is { Value: JsonValue text } field && text.GetValueKind() == JsonValueKind.String)
                    {
                        var s = text.GetValue<string>();
                        field.Parent[field.Name] = step.Op switch { "trim" => s.Trim(), "lowercase" => s.ToLowerInvariant(), _ => s.ToUpperInvariant() };
                    }

                    break;
                case "keepIf" or "dropIf":
                    var matches = Find(message, step.Path!) is { Value: { } held } && step.In!.Contains(Text(held), StringComparer.Ordinal);
                    if (matches == (step.Op == "dropIf"))
                    {
                        return (null, true);
                    }

                    break;
            }
        }

        return (null, false);
    }

    private static bool IsPath(string? path) =>
        path is { Length: > 0 and <= 256 } && path.Split('.') is { Length: <= MaxDepth } names && names.All(n => n.Length > 0);

    private sealed record Field(JsonObject Parent, string Name, JsonNode? Value);

    /// <summary>The value at the dotted <paramref name="path"/> of <paramref name="message"/>, or null.</summary>
    public static JsonNode? Get(JsonObject message, string path)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(path);
        return Find(message, path)?.Value;
    }

    private static Field? Find(JsonObject message, string path)
    {
        var names = path.Split('.');
        var at = message;
        for (var i = 0; i < names.Length - 1; i++)
        {
            if (at[names[i]] is not JsonObject next)
            {
                return null;
            }

            at = next;
        }

        return at.TryGetPropertyValue(names[^1], out var value) ? new Field(at, names[^1], value) : null;
    }

    /// <summary>Sets the dotted <paramref name="path"/> of <paramref name="message"/> to <paramref name="value"/>, making the objects on the way.</summary>
    internal static void Put(JsonObject message, string path, JsonNode? value)
    {
        var names = path.Split('.');
        var at = message;
        for (var i = 0; i < names.Length - 1; i++)
        {
            if (at[names[i]] is not JsonObject next)
            {
                next = [];
                at[names[i]] = next;
            }

            at = next;
        }

        at[names[^1]] = value;
    }

    private static string Text(JsonNode value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value.ToJsonString();

    private static (JsonNode? Value, bool Ok) Coerce(JsonNode value, string to)
    {
        var kind = value.GetValueKind();
        var text = kind == JsonValueKind.String ? value.GetValue<string>().Trim() : null;
        switch (to)
        {
            case "string":
                return kind is JsonValueKind.Object or JsonValueKind.Array ? (null, false) : (JsonValue.Create(text ?? value.ToJsonString()), true);
            case "number":
                if (kind == JsonValueKind.Number)
                {
                    return (value.DeepClone(), true);
                }

                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? (JsonValue.Create(d), true) : (null, false);
            case "integer":
                if (kind == JsonValueKind.Number && value.GetValue<double>() is var n && n == Math.Floor(n) && Math.Abs(n) < 9e15)
                {
                    return (JsonValue.Create((long)n), true);
                }

                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? (JsonValue.Create(l), true) : (null, false);
            default:
                if (kind is JsonValueKind.True or JsonValueKind.False)
                {
                    return (value.DeepClone(), true);
                }

                bool? flag = text?.ToUpperInvariant() switch
                {
                    "TRUE" or "YES" or "1" => true,
                    "FALSE" or "NO" or "0" => false,
                    _ => kind == JsonValueKind.Number && value.GetValue<double>() is 0 or 1 ? value.GetValue<double>() == 1 : null,
                };
                return flag is { } b ? (JsonValue.Create(b), true) : (null, false);
        }
    }
}
