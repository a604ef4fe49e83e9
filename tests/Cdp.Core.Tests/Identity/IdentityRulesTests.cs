using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;
using Cdp.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Tests.Identity;

public class IdentityRulesTests
{
    private static readonly IdentityRules Rules = TestDomain.Rules();

    private static Message Identify(string? userId = null, string? anonymousId = null, JsonObject? traits = null, JsonObject? context = null, JsonObject? properties = null, MessageType type = MessageType.Identify) => new()
    {
        MessageId = "m1",
        Type = type,
        UserId = userId,
        AnonymousId = anonymousId,
        Traits = traits,
        Context = context,
        Properties = properties,
    };

    private static List<string> Read(Message message, IdentityRules? rules = null) =>
        [.. (rules ?? Rules).IdentifiersOf(message).Select(i => i.ToString())];

    [Theory]
    [InlineData("  Ada@Example.COM ", "ada@example.com")]
    [InlineData("ADA@example.com", "ada@example.com")]
    public void Email_IsTrimmedAndLowerCased(string raw, string normalized)
    {
        Assert.Equal([$"email:{normalized}"], Read(Identify(traits: new JsonObject { ["email"] = raw })));
    }

    [Theory]
    [InlineData("(415) 555-2671", "+14155552671")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    [InlineData("+1-415-555-2671", "+14155552671")]
    public void Phone_IsE164_WithTheDefaultRegionForNationalNumbers(string raw, string normalized)
    {
        Assert.Equal([$"phone:{normalized}"], Read(Identify(traits: new JsonObject { ["phone"] = raw })));
    }

    [Fact]
    public void Phone_NationalNumber_UsesTheConfiguredRegion()
    {
        var rules = TestDomain.Rules(o => o.DefaultRegion = "GB");

        Assert.Equal(["phone:+442079460958"], Read(Identify(traits: new JsonObject { ["phone"] = "020 7946 0958" }), rules));
    }

    [Theory]
    [InlineData("12")]
    [InlineData("not a phone")]
    public void Phone_NotANumber_IsIgnored(string raw)
    {
        Assert.Empty(Read(Identify(traits: new JsonObject { ["phone"] = raw })));
    }

    [Fact]
    public void OtherTypes_AreTrimmed()
    {
        Assert.Equal(["user_id:u 1", "anonymous_id:a1"], Read(Identify(userId: "  u 1 ", anonymousId: "\ta1\n")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("NULL")]
    [InlineData("undefined")]
    [InlineData("anonymous")]
    [InlineData("Unknown")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("n/a")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("aaaaaaa")]
    [InlineData("   ")]
    public void BlockedValues_AreIgnoredForEveryType(string value)
    {
        var message = Identify(userId: value, anonymousId: value, traits: new JsonObject { ["email"] = value });

        Assert.Empty(Read(message));
    }

    [Theory]
    [InlineData("noreply@shop.com")]
    [InlineData("no-reply@shop.com")]
    [InlineData("not-an-email")]
    public void BlockedEmails_AreIgnored(string email)
    {
        Assert.Empty(Read(Identify(traits: new JsonObject { ["email"] = email })));
    }

    [Fact]
    public void ConfiguredBlockedValuesAndPatterns_AddToTheDefaults()
    {
        var rules = TestDomain.Rules(o => o.Types["user_id"] = new IdentifierTypeOptions { Blocked = ["guest"], BlockedPatterns = ["test-.*"] });

        Assert.Empty(Read(Identify(userId: "Guest"), rules));
        Assert.Empty(Read(Identify(userId: "test-42"), rules));
        Assert.Empty(Read(Identify(userId: "unknown"), rules)); // the built-in placeholders still apply
        Assert.Equal(["user_id:guest-1"], Read(Identify(userId: "guest-1"), rules));
    }

    [Fact]
    public void Traits_AreReadFromIdentifyAndFromContextTraitsOfAnyMessage_NotFromAGroupsTraits()
    {
        var track = Identify(anonymousId: "a1", context: new JsonObject { ["traits"] = new JsonObject { ["email"] = "b@x.io" } }, type: MessageType.Track);
        var group = Identify(anonymousId: "a1", traits: new JsonObject { ["email"] = "team@x.io" }, type: MessageType.Group);

        Assert.Equal(["email:b@x.io", "anonymous_id:a1"], Read(track));
        Assert.Equal(["anonymous_id:a1"], Read(group));
    }

    [Fact]
    public void CustomTypes_FromTraitAndPropertyPaths_AndExternalIds_InPriorityOrder()
    {
        var rules = TestDomain.Rules(o =>
        {
            o.Types["crm_id"] = new IdentifierTypeOptions { Paths = ["traits.crm.id"], Priority = 4, Limit = 1 };
            o.Types["order_ref"] = new IdentifierTypeOptions { Paths = ["properties.orderRef"], Priority = 50 };
            o.Types["ga_client_id"] = new IdentifierTypeOptions { Priority = 60 };
        });
        var message = Identify(
            anonymousId: "a1",
            traits: new JsonObject { ["crm"] = new JsonObject { ["id"] = 1234 } },
            properties: new JsonObject { ["orderRef"] = "o-9" },
            context: new JsonObject
            {
                ["externalIds"] = new JsonArray(
                    new JsonObject { ["id"] = "GA1.2.3", ["type"] = "ga_client_id", ["collection"] = "users", ["encoding"] = "none" },
                    new JsonObject { ["id"] = "x", ["type"] = "not_configured" }),
            });

        Assert.Equal(["crm_id:1234", "order_ref:o-9", "ga_client_id:GA1.2.3", "anonymous_id:a1"], Read(message, rules));
    }

    [Fact]
    public void AliasPreviousId_IsAnAnonymousId_Repeats_AreRemoved()
    {
        var alias = Identify(userId: "u1", anonymousId: "old", type: MessageType.Alias) with { PreviousId = "old" };

        Assert.Equal(["user_id:u1", "anonymous_id:old"], Read(alias));
    }

    [Fact]
    public void KeyOf_IsAKeyedHash_SameInputSameKey_NeverTheRawValue()
    {
        var identifier = new Identifier("email", "ada@example.com");
        var otherKey = TestDomain.Rules(o => o.HashKey = Convert.ToBase64String(new byte[32]));

        var key = Rules.KeyOf(identifier);

        Assert.StartsWith("email:", key, StringComparison.Ordinal);
        Assert.DoesNotContain("ada", key, StringComparison.Ordinal);
        Assert.Equal(key, Rules.KeyOf(new Identifier("email", "ada@example.com")));
        Assert.NotEqual(key, Rules.KeyOf(new Identifier("user_id", "ada@example.com")));
        Assert.NotEqual(key, otherKey.KeyOf(identifier));
        Assert.DoesNotContain(key, c => c is '/' or '\\' or '?' or '#' or '%' or '+');
    }

    [Theory]
    [InlineData("email: Ada@Example.com ", "email:ada@example.com")]
    [InlineData("user_id:42", "user_id:42")]
    public void TryParse_NormalizesLikeMessages(string text, string expected)
    {
        Assert.True(Rules.TryParse(text, out var identifier));
        Assert.Equal(expected, identifier.ToString());
    }

    [Theory]
    [InlineData("nope:42")]
    [InlineData("user_id:")]
    [InlineData("user_id:null")]
    [InlineData("42")]
    public void TryParse_UnknownTypeOrUnusableValue_Fails(string text)
    {
        Assert.False(Rules.TryParse(text, out _));
    }

    [Fact]
    public void Validator_NamesEveryBadSetting()
    {
        var options = new IdentityOptions { HashKey = "c2hvcnQ=", DefaultRegion = "XX" };
        options.Types["crm_id"] = new IdentifierTypeOptions { Paths = ["crm"] };
        options.Types["other"] = new IdentifierTypeOptions { Priority = 1, Normalize = "upper", Limit = 0, BlockedPatterns = ["("] };
        var validator = new ServiceCollection()
            .AddCdpCore()
            .BuildServiceProvider()
            .GetServices<IValidateOptions<IdentityOptions>>()
            .Single();

        var failures = validator.Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("Cdp:Identity:HashKey", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cdp:Identity:DefaultRegion", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cdp:Identity:Types:crm_id:Priority", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cdp:Identity:Types:crm_id:Paths", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cdp:Identity:Types:other:Normalize", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cdp:Identity:Types:other:Limit", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cdp:Identity:Types:other:BlockedPatterns", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("priorities are a total order", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_Defaults_WithAKey_AreValid()
    {
        var validator = new ServiceCollection().AddCdpCore().BuildServiceProvider().GetServices<IValidateOptions<IdentityOptions>>().Single();

        Assert.True(validator.Validate(null, new IdentityOptions { HashKey = TestDomain.HashKey }).Succeeded);
    }
}
