using Cdp.Core.Identity;

namespace Cdp.Core.Tests.Profiles;

public class IdentifierTests
{
    [Theory]
    [InlineData("user_id:42", "user_id", "42")]
    [InlineData("anonymous_id:a:b:c", "anonymous_id", "a:b:c")]
    public void TryParse_KnownType_SplitsAtFirstColon(string text, string type, string value)
    {
        Assert.True(Identifier.TryParse(text, out var identifier));
        Assert.Equal(new Identifier(type, value), identifier);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("user_id")]
    [InlineData("user_id:")]
    [InlineData(":42")]
    [InlineData("shoe_size:42")]
    public void TryParse_Invalid_ReturnsFalse(string? text)
    {
        Assert.False(Identifier.TryParse(text, out _));
    }
}

public class IdentifierIndexKeyTests
{
    [Fact]
    public void IndexKey_HoldsTypeAndHashButNotTheValue()
    {
        var key = new Identifier(Identifier.UserId, "ada@example.com/x?y#z").IndexKey;

        Assert.StartsWith("user_id:", key, StringComparison.Ordinal);
        Assert.DoesNotContain("ada", key, StringComparison.Ordinal);
        Assert.DoesNotContain(key, c => c is '/' or '\\' or '?' or '#' or '%');
    }

    [Fact]
    public void IndexKey_SameIdentifier_SameKey_OtherTypeOrValue_OtherKey()
    {
        var key = new Identifier(Identifier.UserId, "42").IndexKey;

        Assert.Equal(key, new Identifier(Identifier.UserId, "42").IndexKey);
        Assert.NotEqual(key, new Identifier(Identifier.AnonymousId, "42").IndexKey);
        Assert.NotEqual(key, new Identifier(Identifier.UserId, "43").IndexKey);
    }
}
