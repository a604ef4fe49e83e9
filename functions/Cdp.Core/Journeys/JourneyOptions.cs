namespace Cdp.Core.Journeys;

/// <summary>Journey settings (section <c>Cdp:Journeys</c>).</summary>
public sealed class JourneyOptions
{
    public const string Section = "Cdp:Journeys";

    /// <summary>
    /// The key webhooks are signed with (HMAC-SHA256, base64, at least 32 bytes). Cdp.Local generates one into its
    /// data folder when unset; the Function App reads it from Key Vault.
    /// </summary>
    public string WebhookSecret { get; set; } = string.Empty;
}
