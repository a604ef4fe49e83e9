using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace Cdp.Core.Collect;

/// <summary>Merges two JSON objects one level deep, the second's properties winning; the inputs are not changed.</summary>
internal static class JsonMerge
{
    [return: NotNullIfNotNull(nameof(under))]
    [return: NotNullIfNotNull(nameof(over))]
    public static JsonObject? Merge(JsonObject? under, JsonObject? over)
    {
        if (under is null && over is null)
        {
            return null;
        }

        var merged = (JsonObject?)under?.DeepClone() ?? [];
        foreach (var (key, value) in over ?? [])
        {
            merged[key] = value?.DeepClone();
        }

        return merged;
    }
}
