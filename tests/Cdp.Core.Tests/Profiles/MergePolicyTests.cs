using System.Text.Json.Nodes;
using Cdp.Core.Profiles;
using Cdp.Core.Sources;
using Cdp.Testing;

namespace Cdp.Core.Tests.Profiles;

public class MergePolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private static Trait At(JsonNode? value, int minutes, string messageId, string? source = "web", double confidence = 1.0) =>
        new(value, T0.AddMinutes(minutes), messageId, source, confidence);

    private static MergePolicy PolicyFor(MergeStrategy strategy, params string[] sources) => TestDomain.Policy(o =>
    {
        var trait = new TraitPolicyOptions { Strategy = strategy };
        trait.Sources.AddRange(sources);
        o.Traits["t"] = trait;
    });

    /// <summary>The winner after applying the observations in the given order (each as an event against the profile).</summary>
    private static Trait Apply(MergePolicy policy, params Trait[] observed) =>
        observed.Skip(1).Aggregate(observed[0], (held, next) => policy.Combine("t", held, next));

    public static TheoryData<MergeStrategy, string> Winners => new()
    {
        { MergeStrategy.MostRecent, "m3" },
        { MergeStrategy.Oldest, "m1" },
        { MergeStrategy.SourcePriority, "m2" },
        { MergeStrategy.HighestConfidence, "m1" },
        { MergeStrategy.NonEmpty, "m2" },
        { MergeStrategy.Max, "m2" },
        { MergeStrategy.Min, "m1" },
    };

    /// <summary>m1: 5 from web (confidence 0.9) at +1; m2: 40 from crm (0.5) at +2; m3: "" from app (0.7) at +3.</summary>
    private static Trait[] Observations =>
    [
        At(JsonValue.Create(5), 1, "m1", "web", 0.9),
        At(JsonValue.Create(40), 2, "m2", "crm", 0.5),
        At(JsonValue.Create(""), 3, "m3", "app", 0.7),
    ];

    [Theory]
    [MemberData(nameof(Winners))]
    public void EachPickStrategy_PicksItsWinner_InEveryOrder(MergeStrategy strategy, string winner)
    {
        var policy = PolicyFor(strategy, "crm", "web");
        var all = Observations;

        foreach (var order in Permutations(all))
        {
            var result = Apply(policy, order);
            Assert.Equal(winner, result.MessageId);
            // The losers are kept, distinct values only, the most recent first.
            Assert.Equal(all.Where(o => o.MessageId != winner).OrderByDescending(o => o.ObservedAt).Select(o => o.MessageId), result.History!.Select(h => h.MessageId));
        }
    }

    [Fact]
    public void Tie_FallsBackToTheMostRecent()
    {
        var policy = PolicyFor(MergeStrategy.SourcePriority, "crm");

        var result = Apply(policy, At("a", 1, "m1", "web"), At("b", 2, "m2", "app"));

        Assert.Equal("b", result.Value!.GetValue<string>());
    }

    [Fact]
    public void SourcePriority_UnlistedSourceLosesToAListedOne()
    {
        var policy = PolicyFor(MergeStrategy.SourcePriority, "crm");

        Assert.Equal("crm-value", Apply(policy, At("crm-value", 1, "m1", "crm"), At("web-value", 9, "m2", "web")).Value!.GetValue<string>());
    }

    [Fact]
    public void NonEmpty_EmptyListAndObjectAndNullLose()
    {
        var policy = PolicyFor(MergeStrategy.NonEmpty);

        var result = Apply(policy, At("kept", 1, "m1"), At(new JsonArray(), 2, "m2"), At(new JsonObject(), 3, "m3"), At(null, 4, "m4"));

        Assert.Equal("kept", result.Value!.GetValue<string>());
    }

    [Fact]
    public void Sum_AddsEveryContribution_InAnyOrder()
    {
        var policy = PolicyFor(MergeStrategy.Sum);

        foreach (var order in Permutations([At(10, 1, "m1"), At(2.5m, 2, "m2"), At(-1, 3, "m3")]))
        {
            Assert.Equal(11.5m, Apply(policy, order).Value!.GetValue<decimal>());
        }
    }

    [Fact]
    public void Sum_TheSameObservationTwice_CountsOnce()
    {
        var policy = PolicyFor(MergeStrategy.Sum);
        var once = At(10, 1, "m1");

        Assert.Same(once, policy.Combine("t", once, At(10, 1, "m1")));
    }

    [Fact]
    public void Union_JoinsListsWithoutRepeats_InAnyOrder()
    {
        var policy = PolicyFor(MergeStrategy.Union);

        foreach (var order in Permutations([At(new JsonArray("b", "a"), 1, "m1"), At(new JsonArray("c", "a"), 2, "m2"), At("d", 3, "m3")]))
        {
            Assert.Equal(["\"a\"", "\"b\"", "\"c\"", "\"d\""], Apply(policy, order).Value!.AsArray().Select(v => v!.ToJsonString()));
        }
    }

    [Fact]
    public void History_IsBoundedAndHoldsDistinctLosingValues()
    {
        var policy = TestDomain.Policy(o => o.HistoryLimit = 2);
        var observed = Enumerable.Range(1, 6).Select(i => At(i % 2 == 0 ? "even" : $"odd{i}", i, $"m{i}")).ToArray();

        var result = Apply(policy, observed);

        Assert.Equal("even", result.Value!.GetValue<string>());
        Assert.Equal(["odd5", "odd3"], result.History!.Select(h => h.Value!.GetValue<string>()));
    }

    [Fact]
    public void OlderValueArrivingLate_LosesButIsKept_NothingIsLost()
    {
        var policy = TestDomain.Policy();
        var newer = At("pro", 10, "m2");

        var result = policy.Combine("t", newer, At("free", 1, "m1"));

        Assert.Equal("pro", result.Value!.GetValue<string>());
        Assert.Equal("free", Assert.Single(result.History!).Value!.GetValue<string>());
    }

    [Fact]
    public void ConfidenceOf_ComesFromTheSource()
    {
        var policy = TestDomain.Policy(null, new SourceDefinition { Id = "crm", Confidence = 0.4 });

        Assert.Equal((0.4, 1.0), (policy.ConfidenceOf("crm"), policy.ConfidenceOf("unknown")));
    }

    [Fact]
    public void ProfileAgainstProfile_UsesTheSamePolicy_AndKeepsBothHistories()
    {
        var policy = PolicyFor(MergeStrategy.Oldest);
        var a = Apply(policy, At("a2", 5, "a2"), At("a1", 2, "a1"));
        var b = Apply(policy, At("b2", 4, "b2"), At("b1", 1, "b1"));

        var ab = policy.Combine("t", a, b);
        var ba = policy.Combine("t", b, a);

        Assert.Equal(("b1", "b1"), (ab.MessageId, ba.MessageId));
        Assert.Equal(["a2", "b2", "a1"], ab.History!.Select(h => h.MessageId));
        Assert.Equal(ab.History!.Select(h => h.MessageId), ba.History!.Select(h => h.MessageId));
    }

    private static IEnumerable<Trait[]> Permutations(Trait[] items) => items.Length <= 1
        ? [items]
        : items.SelectMany((item, i) => Permutations([.. items.Take(i), .. items.Skip(i + 1)]).Select(rest => (Trait[])[item, .. rest]));
}
