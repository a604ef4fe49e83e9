using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cdp.Core.Profiles;

/// <summary>
/// An identifier a profile holds, with the first and last event time it was seen on the profile, and the
/// last event time a message carried it together with another identifier (a login on a device, say): a
/// device identifier moves to the person it was linked with latest.
/// </summary>
[JsonConverter(typeof(ProfileIdentifierConverter))]
public sealed record ProfileIdentifier(string Type, string Value, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset? LastLinked = null)
{
    public Identifier Identifier => new(Type, Value);

    public override string ToString() => $"{Type}:{Value}";

    /// <summary>Reads the object form, and the <c>"type:value"</c> strings of schema version 1 documents.</summary>
    private sealed class ProfileIdentifierConverter : JsonConverter<ProfileIdentifier>
    {
        public override ProfileIdentifier Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                var text = reader.GetString()!;
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw new JsonException($"'{text}' is not an identifier (type:value).");
                }

                return new ProfileIdentifier(text[..colon], text[(colon + 1)..], default, default);
            }

            var shape = JsonSerializer.Deserialize<Shape>(ref reader, options) ?? throw new JsonException("An identifier is null.");
            return new ProfileIdentifier(shape.Type, shape.Value, shape.FirstSeen, shape.LastSeen, shape.LastLinked);
        }

        public override void Write(Utf8JsonWriter writer, ProfileIdentifier value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, new Shape(value.Type, value.Value, value.FirstSeen, value.LastSeen, value.LastLinked), options);

        private sealed record Shape(string Type, string Value, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset? LastLinked);
    }
}
