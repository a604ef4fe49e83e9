namespace Cdp.Core.Privacy;

/// <summary>Privacy settings (section <c>Cdp:Privacy</c>).</summary>
public sealed class PrivacyOptions
{
    public const string Section = "Cdp:Privacy";

    /// <summary>What ingest does with a message that carries an erased identifier (see <see cref="SuppressionMode"/>).</summary>
    public SuppressionMode Suppression { get; set; } = SuppressionMode.Drop;

    /// <summary>
    /// The master key (base64, 32 bytes) that wraps every profile's data key. Cloud: a Key Vault secret by reference;
    /// Cdp.Local: <c>$CDP_DATA_DIR/master-key</c>, created on first run. Without it, personal traits are stored in clear.
    /// </summary>
    public string? MasterKey { get; set; }

    /// <summary>Traits encrypted at rest with the profile's data key (replaced, not extended, when configured).</summary>
    public string[] PersonalTraits { get; set; } = ["email", "phone", "name", "firstName", "lastName", "address", "birthday"];

    /// <summary>Identifier types whose values are encrypted in the profile (the identity index holds keyed hashes of all).</summary>
    public string[] PersonalIdentifierTypes { get; set; } = ["email", "phone"];
}

/// <summary>What happens to a message that carries an identifier of an erased person.</summary>
public enum SuppressionMode
{
    /// <summary>The message is not applied (counted as suppressed).</summary>
    Drop,

    /// <summary>
    /// The message is applied without the erased identifiers and without its traits (counters and event history only),
    /// when another identifier remains; otherwise it is dropped.
    /// </summary>
    Anonymize,
}
