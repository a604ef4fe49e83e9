using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Sources;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Profiles;

/// <summary>
/// Decides between two values of a trait by the trait's strategy (<see cref="MergePolicyOptions"/>), for an
/// event against a profile and for a profile against a profile alike. The loser joins the winner's bounded
/// history. For every strategy the decision is a total order (ties fall back to the later event time, then
/// the greater message id), so the same observations give the same winner in any order.
/// </summary>
public sealed class MergePolicy
{
    private readonly MergePolicyOptions _options;
    private readonly SourceRegistry _sources;

    public MergePolicy(IOptions<MergePolicyOptions> options, SourceRegistry sources)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sources);
        _options = options.Value;
        _sources = sources;
    }

    public int RecentMessages => _options.RecentMessages;

    /// <summary>How many traits a profile takes from messages (<see cref="MergePolicyOptions.MaxTraits"/>).</summary>
    public int MaxTraits => _options.MaxTraits;

    public MergeStrategy StrategyOf(string trait) =>
        _options.Traits.TryGetValue(trait, out var policy) ? policy.Strategy : _options.Default;

    /// <summary>The confidence of a source's values (its <c>confidence</c>; 1 when unknown), as <see cref="RefreshSourcesAsync"/> last read it.</summary>
    public double ConfidenceOf(string? sourceId) => _sources.ConfidenceOf(sourceId);

    /// <summary>Reads the sources created over the API again when due (<see cref="SourceRegistry.RefreshAfter"/>): before each batch.</summary>
    public ValueTask RefreshSourcesAsync(CancellationToken cancellationToken) => _sources.RefreshAsync(cancellationToken);

    /// <summary>
    /// The trait after <paramref name="incoming"/> meets <paramref name="held"/>; returns <paramref name="held"/>
    /// itself when nothing changes (the incoming observation is already part of it, or loses and is not kept).
    /// </summary>
    public Trait Combine(string trait, Trait held, Trait incoming)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(incoming);
        if (held.MessageId == incoming.MessageId && held.ObservedAt == incoming.ObservedAt && incoming.History is null)
        {
            return held;
        }

        var strategy = StrategyOf(trait);
        switch (strategy)
        {
            case MergeStrategy.Sum when Number(held.Value) is { } a && Number(incoming.Value) is { } b:
                if (Sum(a, b) is not { } sum)
                {
                    // Past what a JSON number can hold: the contribution is not added (counted), the sum stays.
                    CdpMetrics.TraitsDropped.Add(1, KeyValuePair.Create<string, object?>("reason", "overflow"));
                    return held;
                }

                return Latest(held, incoming) with { Value = sum, History = null };
            case MergeStrategy.Union:
                return Latest(held, incoming) with { Value = Union(held.Value, incoming.Value), History = null };
        }

        var incomingWins = Compare(trait, strategy, incoming, held) > 0;
        if (incoming.History is null && JsonNode.DeepEquals(held.Value, incoming.Value))
        {
            // The same value again: only the provenance may change; the history (other values) stays.
            return incomingWins ? incoming with { Value = held.Value, History = held.History } : held;
        }

        var (winner, loser) = incomingWins ? (incoming, held) : (held, incoming);
        var history = History(winner, loser);
        if (!incomingWins && SameHistory(history, held.History))
        {
            return held;
        }

        return winner.WithoutHistory() with { History = history };
    }

    /// <summary>Positive when <paramref name="a"/> beats <paramref name="b"/>.</summary>
    private int Compare(string trait, MergeStrategy strategy, Trait a, Trait b)
    {
        var byStrategy = strategy switch
        {
            MergeStrategy.Oldest => -Recency(a, b),
            MergeStrategy.SourcePriority => Rank(trait, b.Source).CompareTo(Rank(trait, a.Source)),
            MergeStrategy.HighestConfidence => a.Confidence.CompareTo(b.Confidence),
            MergeStrategy.NonEmpty => IsEmpty(b.Value).CompareTo(IsEmpty(a.Value)),
            MergeStrategy.Max => CompareValues(a.Value, b.Value),
            MergeStrategy.Min => -CompareValues(a.Value, b.Value, smallerWins: true),
            _ => 0,
        };
        return byStrategy != 0 ? byStrategy : Recency(a, b);
    }

    private static int Recency(Trait a, Trait b)
    {
        var byTime = a.ObservedAt.CompareTo(b.ObservedAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.MessageId, b.MessageId);
    }

    private static Trait Latest(Trait a, Trait b) => Recency(a, b) >= 0 ? a : b;

    private int Rank(string trait, string? source)
    {
        var sources = _options.Traits.TryGetValue(trait, out var policy) ? policy.Sources : [];
        var index = source is null ? -1 : sources.IndexOf(source);
        return index < 0 ? int.MaxValue : index;
    }

    /// <summary>
    /// The winner's history after a decision: distinct losing values other than the winner's, each with its
    /// latest observation, the most recent first, at most <see cref="MergePolicyOptions.HistoryLimit"/>.
    /// </summary>
    private List<Trait>? History(Trait winner, Trait loser)
    {
        var candidates = (winner.History ?? []).Concat([loser.WithoutHistory()]).Concat(loser.History ?? []);
        var kept = new List<Trait>();
        foreach (var observation in candidates.OrderByDescending(t => t, Comparer<Trait>.Create(Recency)))
        {
            if (kept.Count == _options.HistoryLimit)
            {
                break;
            }

            if (!JsonNode.DeepEquals(observation.Value, winner.Value) && !kept.Any(k => JsonNode.DeepEquals(k.Value, observation.Value)))
            {
                kept.Add(observation);
            }
        }

        return kept.Count == 0 ? null : kept;
    }

    private static bool SameHistory(List<Trait>? a, IReadOnlyList<Trait>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.Zip(b!).All(p => p.First.MessageId == p.Second.MessageId && p.First.ObservedAt == p.Second.ObservedAt));

    private static bool IsEmpty(JsonNode? value) => value switch
    {
        null => true,
        JsonArray array => array.Count == 0,
        JsonObject obj => obj.Count == 0,
        JsonValue v => v.GetValueKind() == JsonValueKind.String && string.IsNullOrWhiteSpace(v.GetValue<string>()),
        _ => false,
    };

    /// <summary>Numbers above text above anything else; within a kind, by value.</summary>
    private static int CompareValues(JsonNode? a, JsonNode? b, bool smallerWins = false)
    {
        var (kindA, kindB) = (Kind(a), Kind(b));
        if (kindA != kindB)
        {
            // A usable value beats an unusable one whichever way the values are ordered.
            return smallerWins ? kindB.CompareTo(kindA) : kindA.CompareTo(kindB);
        }

        return kindA switch
        {
            2 => Number(a)!.Value.CompareTo(Number(b)!.Value),
            1 => string.CompareOrdinal(a!.GetValue<string>(), b!.GetValue<string>()),
            _ => 0,
        };
    }

    /// <summary>A number (one <see cref="Number"/> reads), text, or anything else.</summary>
    private static int Kind(JsonNode? value) => value is JsonValue v
        ? v.GetValueKind() switch { JsonValueKind.Number when Number(v) is not null => 2, JsonValueKind.String => 1, _ => 0 }
        : 0;

    /// <summary>
    /// A JSON number as <see cref="decimal"/> when it fits (exact for money and counts), else as <see cref="double"/>
    /// (<c>1e30</c>); null for anything else, and for a number no finite double holds (<c>1e400</c>).
    /// </summary>
    private static Numeric? Number(JsonNode? value)
    {
        if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }

        var text = v.ToJsonString();
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact))
        {
            return new Numeric(exact, (double)exact, true);
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var approximate) && double.IsFinite(approximate)
            ? new Numeric(0, approximate, false)
            : null;
    }

    /// <summary>The sum as a JSON number: exact while it fits a decimal, else a finite double, else null (overflow).</summary>
    private static JsonValue? Sum(Numeric a, Numeric b)
    {
        if (a.IsExact && b.IsExact)
        {
            try
            {
                return JsonValue.Create(a.Exact + b.Exact);
            }
            catch (OverflowException)
            {
                // Falls through to the double sum.
            }
        }

        var sum = a.Approximate + b.Approximate;
        return double.IsFinite(sum) ? JsonValue.Create(sum) : null;
    }

    /// <summary>A JSON number: exact as a decimal when it fits, always as a double.</summary>
    private readonly record struct Numeric(decimal Exact, double Approximate, bool IsExact) : IComparable<Numeric>
    {
        public int CompareTo(Numeric other) => IsExact && other.IsExact ? Exact.CompareTo(other.Exact) : Approximate.CompareTo(other.Approximate);
    }

    private static JsonArray Union(JsonNode? a, JsonNode? b)
    {
        var items = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var value in (ReadOnlySpan<JsonNode?>)[a, b])
        {
            IEnumerable<JsonNode?> values = value switch
            {
                JsonArray array => array,
                null => Array.Empty<JsonNode?>(),
                _ => new[] { value },
            };
            foreach (var item in values)
            {
                items.TryAdd(item?.ToJsonString() ?? "null", item);
            }
        }

        return [.. items.Values.Select(i => i?.DeepClone())];
    }
}
