using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cdp.Core.Sources;

namespace Cdp.Core.Destinations;

/// <summary>A text template over an item: each <c>{{dotted.path}}</c> is the item's value there (text as it is, other JSON as JSON, absent as nothing).</summary>
public static partial class ItemTemplate
{
    public static string Render(string template, JsonObject item)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(item);
        return Placeholder().Replace(template, m => SourceTransform.Get(item, m.Groups[1].Value) switch
        {
            null => string.Empty,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            var other => other.ToJsonString(),
        });
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
