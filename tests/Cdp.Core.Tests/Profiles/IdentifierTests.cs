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
