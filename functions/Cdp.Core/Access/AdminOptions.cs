namespace Cdp.Core.Access;

/// <summary>
/// Who may use the admin API (profiles, segments, journeys, dead letters) on Cdp.Local: the bearer of
/// <see cref="Token"/> (setting <c>CDP_ADMIN_TOKEN</c>; generated once into the data folder when unset). The Function
/// App authenticates admin calls with function keys instead. Write keys only collect.
/// </summary>
public sealed class AdminOptions
{
    /// <summary>The configuration key (an environment variable) holding the token.</summary>
    public const string TokenVariable = "CDP_ADMIN_TOKEN";

    public string Token { get; set; } = string.Empty;
}
