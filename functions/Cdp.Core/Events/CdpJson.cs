using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cdp.Core.Events;

/// <summary>The one JSON configuration for messages, documents and API bodies: camelCase, enums as strings.</summary>
public static class CdpJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
