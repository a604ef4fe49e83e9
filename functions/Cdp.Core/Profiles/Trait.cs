using System.Text.Json.Nodes;

namespace Cdp.Core.Profiles;

/// <summary>A trait's current value with its provenance: when it was observed and by which message.</summary>
public sealed record Trait(JsonNode? Value, DateTimeOffset ObservedAt, string MessageId);
