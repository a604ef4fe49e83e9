namespace Cdp.Core.Profiles;

/// <summary>How two values of one trait are decided (between an event and a profile, and between two profiles in a merge).</summary>
public enum MergeStrategy
{
    /// <summary>The later event time wins.</summary>
    MostRecent,

    /// <summary>The earlier event time wins.</summary>
    Oldest,

    /// <summary>The source listed first in <see cref="TraitPolicyOptions.Sources"/> wins; unlisted sources come last.</summary>
    SourcePriority,

    /// <summary>The higher confidence (the source's <c>confidence</c>) wins.</summary>
    HighestConfidence,

    /// <summary>A value that is not null, empty text, an empty list or an empty object wins.</summary>
    NonEmpty,

    /// <summary>The greater number (or text) wins.</summary>
    Max,

    /// <summary>The smaller number (or text) wins.</summary>
    Min,

    /// <summary>The values add up (additive counters only: each event's value is a contribution).</summary>
    Sum,

    /// <summary>The lists are joined, without repeats.</summary>
    Union,
}

/// <summary>
/// The merge policy (configuration section <c>Cdp:MergePolicy</c>): a strategy per trait, a default for the
/// rest, and how much is kept. Every strategy falls back to the most recent value on a tie.
/// </summary>
public sealed class MergePolicyOptions
{
    public const string Section = "Cdp:MergePolicy";

    /// <value>The default is <see cref="MergeStrategy.MostRecent"/>.</value>
    public MergeStrategy Default { get; set; } = MergeStrategy.MostRecent;

    /// <summary>Strategies by trait name (<c>Cdp:MergePolicy:Traits:lifetimeValue:Strategy=sum</c>).</summary>
    public Dictionary<string, TraitPolicyOptions> Traits { get; } = new(StringComparer.Ordinal);

    /// <summary>How many losing values each trait keeps.</summary>
    /// <value>The default is 5.</value>
    public int HistoryLimit { get; set; } = 5;

    /// <summary>
    /// How many recently applied message ids a profile remembers, so that a batch replayed after a crash
    /// (before ingest recorded it) does not count its messages twice. Keep it at least the ingest batch size.
    /// </summary>
    /// <value>The default is 128.</value>
    public int RecentMessages { get; set; } = 128;

    /// <summary>
    /// How many traits a profile takes from messages: a trait name beyond it is not kept (counted in
    /// <c>cdp.ingest.traits_dropped</c>, reason <c>max_traits</c>); the traits it has keep changing. A merge keeps both
    /// profiles' traits.
    /// </summary>
    /// <value>The default is 500.</value>
    public int MaxTraits { get; set; } = 500;
}

/// <summary>One trait's strategy.</summary>
public sealed class TraitPolicyOptions
{
    public MergeStrategy Strategy { get; set; } = MergeStrategy.MostRecent;

    /// <summary>For <see cref="MergeStrategy.SourcePriority"/>: source ids, strongest first.</summary>
    public List<string> Sources { get; } = [];
}
