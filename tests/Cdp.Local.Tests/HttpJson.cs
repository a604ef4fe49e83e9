using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Cdp.Local.Tests;

internal static class HttpJson
{
    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>GETs <paramref name="path"/>: the JSON object on success, null on any error status (e.g. not there yet).</summary>
    public static async Task<JsonObject?> GetOrNullAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>() : null;
    }

    /// <summary>A served profile's identifiers as sorted <c>type:value</c> texts.</summary>
    public static IEnumerable<string> Identifiers(JsonObject profile) =>
        profile["identifiers"]!.AsArray().Select(i => $"{i!["type"]}:{i["value"]}").Order(StringComparer.Ordinal);
}
