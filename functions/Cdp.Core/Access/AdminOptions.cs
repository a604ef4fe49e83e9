namespace Cdp.Core.Access;

/// <summary>
/// Who may use the admin API (profiles, segments, journeys, privacy, audit, dead letters). On Cdp.Local: the bearer of
/// <see cref="Token"/> (setting <c>CDP_ADMIN_TOKEN</c>; generated once into the data folder when unset). The Function
/// App takes a function key and, with <see cref="RequirePrincipal"/> (section <c>Cdp:Access</c>), also a person or app
/// signed in with Entra ID through App Service authentication. Write keys only collect.
/// </summary>
public sealed class AdminOptions
{
    public const string Section = "Cdp:Access";

    /// <summary>The configuration key (an environment variable) holding the token.</summary>
    public const string TokenVariable = "CDP_ADMIN_TOKEN";

    public string Token { get; set; } = string.Empty;

    /// <summary>
    /// Function App: admin calls must also carry an Entra ID token that App Service authentication validated (its
    /// principal becomes the audit's actor). Set by the deployment when an app registration is given.
    /// </summary>
    public bool RequirePrincipal { get; set; }

    /// <summary>
    /// Function App, with <see cref="RequirePrincipal"/>: the principal must also hold the app role the route needs
    /// (<see cref="AdminRoles"/>); without, any signed-in principal may call every admin route.
    /// </summary>
    public bool RequireRoles { get; set; }
}
