using System.Text.Json.Nodes;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;
using Cdp.Testing;

namespace Cdp.Core.Tests.Segments;

public class RuleCompilerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private static ProfileDocument Ada()
    {
        var profile = new Profile("p1", T0);
        var policy = TestDomain.Policy();
        profile.Link(new Identifier("email", "ada@example.com"), T0);
        profile.SetTrait("plan", new Trait(JsonValue.Create("pro"), T0, "m1", "web"), policy);
        profile.SetTrait("ltv", new Trait(JsonValue.Create(250.5), T0, "m1", "web"), policy);
        profile.SetTrait("seats", new Trait(JsonValue.Create("12"), T0, "m1", "web"), policy);
        profile.SetTrait("age", new Trait(JsonValue.Create(30), T0, "m1", "web"), policy);
        profile.SetTrait("visits", new Trait(JsonNode.Parse("41"), T0, "m1", "web"), policy);
        profile.SetTrait("vip", new Trait(JsonValue.Create(true), T0, "m1", "web"), policy);
        profile.SetConsent("analytics", new ProfileConsent(true, T0, "m1"));
        profile.SetConsent("marketing_email", new ProfileConsent(true, T0, "m1", "web", ExpiresAt: T0.AddDays(365)));
        profile.SetConsent("marketing_sms", new ProfileConsent(false, T0, "m1"));
        profile.Count("track", T0);
        profile.Count(RuleCompiler.CounterKey("Order Completed"), T0);
        profile.Count(RuleCompiler.CounterKey("Order Completed"), T0.AddDays(2));
        return profile.ToDocument();
    }

    private static bool Evaluate(string rule, DateTimeOffset now, Func<string, bool>? inSegment = null) => Evaluate(rule, now, inSegment, out _);

    private static bool Evaluate(string rule, DateTimeOffset now, Func<string, bool>? inSegment, out DateTimeOffset? next)
    {
        var compiled = RuleCompiler.Compile(rule);
        Assert.Empty(compiled.Errors);
        var context = new RuleContext();
        context.Reset(Ada(), now, inSegment ?? (_ => false));
        var result = compiled.Rule!.Evaluate(context);
        next = context.NextChange;
        return result;
    }

    [Theory]
    [InlineData("text(\"plan\") == \"pro\"", true)]
    [InlineData("text(\"plan\") == \"free\"", false)]
    [InlineData("text(\"missing\") == \"\"", true)]
    [InlineData("number(\"ltv\") > 200 && number(\"ltv\") < 300", true)]
    [InlineData("number(\"seats\") >= 12", true)]
    [InlineData("number(\"age\") == 30 && number(\"visits\") == 41", true)]
    [InlineData("number(\"missing\") > 0 || number(\"missing\") <= 0", false)]
    [InlineData("flag(\"vip\")", true)]
    [InlineData("!flag(\"plan\")", true)]
    [InlineData("hasTrait(\"plan\") && !hasTrait(\"missing\")", true)]
    [InlineData("hasIdentifier(\"email\") && !hasIdentifier(\"phone\")", true)]
    [InlineData("count(\"track\") == 1 && count(\"Order Completed\") == 2 && count(\"Refunded\") == 0", true)]
    [InlineData("firstSeen(\"Order Completed\") < lastSeen(\"Order Completed\")", true)]
    [InlineData("text(\"plan\").StartsWith(\"p\") ? number(\"ltv\") > 100 : false", true)]
    public void EachFunction_ReadsTheProfile(string rule, bool expected) => Assert.Equal(expected, Evaluate(rule, T0.AddDays(3)));

    [Fact]
    public void Consent_IsAGrantInForce_AnExpiryIsWhenItTurns()
    {
        Assert.True(Evaluate("consent(\"analytics\") && !consent(\"marketing_sms\") && !consent(\"personalization\")", T0));
        Assert.True(Evaluate("consent(\"marketing_email\")", T0.AddDays(364), null, out var next));
        Assert.Equal(T0.AddDays(365), next);
        Assert.False(Evaluate("consent(\"marketing_email\")", T0.AddDays(365)));
        var rule = RuleCompiler.Compile("consent(\"marketing_email\")").Rule!;
        Assert.Equal(["consents.marketing_email"], rule.Reads);
        Assert.True(rule.ReadsTime);
    }

    [Fact]
    public void InSegment_AsksTheEvaluation()
    {
        Assert.True(Evaluate("inSegment(\"vip\") && !inSegment(\"churned\")", T0, id => id == "vip"));
    }

    [Fact]
    public void OlderThan_TurnsExactlyAtItsInstant_AndSaysWhen()
    {
        const string Rule = "olderThan(lastSeen(\"Order Completed\"), 30)";
        var turns = T0.AddDays(2).AddDays(30);

        Assert.False(Evaluate(Rule, turns.AddTicks(-1), null, out var next));
        Assert.Equal(turns, next);
        Assert.True(Evaluate(Rule, turns, null, out next));
        Assert.Null(next);
        Assert.False(Evaluate("olderThan(lastSeen(\"Never Happened\"), 30)", turns, null, out next));
        Assert.Null(next);
        Assert.True(Evaluate("within(lastSeen(\"Order Completed\"), 30)", turns.AddTicks(-1), null, out next));
        Assert.Equal(turns, next);
    }

    [Fact]
    public void Reads_AreTheChangePathsTheRuleDependsOn()
    {
        var rule = RuleCompiler.Compile("text(\"plan\") == \"pro\" && count(\"Order Completed\") > 0 && count(\"page\") > 1 && hasIdentifier(\"email\") && inSegment(\"vip\") && olderThan(firstSeen(\"identify\"), 7)").Rule!;

        Assert.Equal(["counters.identify", "counters.page", "counters.track:Order Completed", "identifiers", "segments.vip", "traits.plan"], rule.Reads.Order(StringComparer.Ordinal));
        Assert.Equal(["vip"], rule.Segments);
        Assert.True(rule.ReadsTime);
        Assert.False(RuleCompiler.Compile("flag(\"vip\")").Rule!.ReadsTime);
    }

    [Theory]
    [InlineData("cnt(\"track\") > 1", "Unknown name 'cnt'", 0)]
    [InlineData("count(\"track\") > 1 && plan == \"pro\"", "Unknown name 'plan'", 22)]
    [InlineData("text(\"plan\") > 3", "The operator does not apply to these types", 16)]
    [InlineData("count(\"track\")", "cannot be converted to type 'Boolean'", null)]
    [InlineData("text(\"pl\" + \"an\") == \"pro\"", "text() takes a name written in the rule as a non-empty string literal", null)]
    [InlineData("count(\"\") > 0", "non-empty string literal", null)]
    [InlineData("System.IO.File.Exists(\"/etc/passwd\")", "Unknown name 'System'", 0)]
    [InlineData("text(\"plan\").GetType().Name == \"String\"", "GetType() cannot be called in a rule", null)]
    [InlineData("  ", "The rule is empty.", null)]
    [InlineData("DateTime.Now.Hour >= 12", "reads the clock", null)]
    [InlineData("DateTime.UtcNow > lastSeen(\"track\").UtcDateTime", "reads the clock", null)]
    [InlineData("DateTimeOffset.UtcNow > lastSeen(\"track\")", "Unknown name 'DateTimeOffset'", 0)]
    [InlineData("text(\"country\").Substring(0, 2) == \"DE\"", "Substring() cannot be called in a rule", null)]
    [InlineData("olderThan(lastSeen(\"identify\"), 1e7)", "between 0 and 36500 days", null)]
    [InlineData("within(lastSeen(\"identify\"), -1)", "between 0 and 36500 days", null)]
    public void BadRules_AreRefused_SayingWhatAndWhere(string rule, string message, int? position)
    {
        var compiled = RuleCompiler.Compile(rule);

        Assert.Null(compiled.Rule);
        var error = Assert.Single(compiled.Errors);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        if (position is not null)
        {
            Assert.Equal(position, error.Position);
        }
    }

    [Theory]
    [InlineData("olderThan(lastSeen(\"Order Completed\"), number(\"ltv\") * 1e12)", false)]
    [InlineData("within(lastSeen(\"Order Completed\"), number(\"ltv\") * 1e12)", true)]
    [InlineData("olderThan(lastSeen(\"Order Completed\"), -number(\"ltv\") * 1e12)", true)]
    [InlineData("olderThan(lastSeen(\"Order Completed\"), number(\"missing\"))", false)]
    public void DaysComputedPastAnyDate_SaturateInsteadOfThrowing(string rule, bool expected) =>
        Assert.Equal(expected, Evaluate(rule, T0.AddDays(3)));
}
