using System.Text.Json.Nodes;

namespace Cdp.Core.Profiles;

/// <summary>
/// A trait's value with its provenance (when it was observed, by which message, from which source, with what
/// confidence) and the losing values it replaced or beat, most recent first (bounded, see <see cref="MergePolicyOptions.HistoryLimit"/>).
/// </summary>
public sealed record Trait(
    JsonNode? Value,
    DateTimeOffset ObservedAt,
    string MessageId,
    string? Source = null,
    double Confidence = 1.0,
    IReadOnlyList<Trait>? History = null)
{
    /// <summary>This observation without its history (as it is kept in another trait's history).</summary>
    public Trait WithoutHistory() => History is null ? this : this with { History = null };
}
