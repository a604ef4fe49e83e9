namespace Cdp.Core.Consents;

/// <summary>Consent settings (section <c>Cdp:Consent</c>).</summary>
public sealed class ConsentOptions
{
    public const string Section = "Cdp:Consent";

    /// <summary>
    /// The purposes the consent API and journeys accept (replaced, not extended, when configured). Decisions that
    /// arrive in Segment's consent context keep the client's category names.
    /// </summary>
    public string[] Purposes { get; set; } = ["analytics", "personalization", "marketing_email", "marketing_sms"];

    /// <summary>
    /// Traits stored only while the profile grants a purpose (trait name → purpose), e.g. <c>phone</c> →
    /// <c>marketing_sms</c>: a value arriving without the grant (from the message itself or held) is not stored.
    /// </summary>
    public Dictionary<string, string> TraitPurposes { get; set; } = new(StringComparer.Ordinal);
}
