namespace Cdp.Core.Sources;

/// <summary>How a source's messages are resolved to profiles (used by identity resolution).</summary>
public enum BindingMode
{
    /// <summary>Accept fast; resolve in the stream.</summary>
    Late,

    /// <summary>Resolve while the request waits and return the profile id.</summary>
    Early,
}

/// <summary>
/// A source as configured: a system that sends events (site, app, server). Configuration section
/// <c>Cdp:Sources</c> (a list), from appsettings, environment variables (<c>Cdp__Sources__0__Id</c>) or a
/// JSON file.
/// </summary>
public sealed class SourceDefinition
{
    /// <summary>The source id: stamped on every message it sends.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>A name for people.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The SHA-256 of the write key, 64 hex digits (<c>printf %s KEY | sha256sum</c>): the key itself is never stored.</summary>
    public string WriteKeySha256 { get; set; } = string.Empty;

    /// <value>The default is <see cref="BindingMode.Late"/>.</value>
    public BindingMode Binding { get; set; } = BindingMode.Late;

    /// <summary>How far the source's trait values are trusted, from 0 to 1 (the <c>highestConfidence</c> merge strategy).</summary>
    /// <value>The default is 1.</value>
    public double Confidence { get; set; } = 1.0;

    /// <summary>Requests per second the source may make on average.</summary>
    /// <value>The default is 100.</value>
    public int RequestsPerSecond { get; set; } = SourceDefaults.RequestsPerSecond;

    /// <summary>Requests the source may make at once before the average applies.</summary>
    /// <value>The default is 200.</value>
    public int Burst { get; set; } = SourceDefaults.Burst;

    /// <summary>
    /// A consent purpose the source may collect only with: a message is kept when it grants the purpose
    /// (<c>context.consent.categoryPreferences.{purpose}: true</c>) or is a <c>Consent Updated</c> event (a decision
    /// either way); others are withheld (counted, not stored).
    /// </summary>
    /// <value>The default is none: everything is collected.</value>
    public string? RequiredPurpose { get; set; }

    /// <summary>
    /// How old an event may be when it arrives (its <c>timestamp</c>, corrected for the client's clock by <c>sentAt</c>):
    /// older ones are refused (400 naming <c>timestamp</c>, kept as dead letters), so a year-0001 time cannot make a
    /// profile the oldest and win every merge. Raise it for a source that imports history.
    /// </summary>
    /// <value>The default is 3,650 days (ten years).</value>
    public int MaxEventAgeDays { get; set; } = 3650;

    /// <summary>How far ahead of the time it is received an event may be dated (a clock running fast); later ones are refused, so a year-9999 time cannot pin a trait for ever.</summary>
    /// <value>The default is 1,440 minutes (one day).</value>
    public int MaxEventAheadMinutes { get; set; } = 1440;

    /// <summary>Whether messages from known crawlers (by <c>context.userAgent</c>) are dropped (counted, not stored).</summary>
    /// <value>The default is true.</value>
    public bool DropBots { get; set; } = true;

    /// <summary>Steps applied in order to each of the source's messages at intake, before it is checked (<see cref="TransformStep"/>).</summary>
    /// <value>The default is none.</value>
    public List<TransformStep> Transform { get; set; } = [];
}

/// <summary>The <c>Cdp:Sources</c> list.</summary>
public sealed class SourceOptions
{
    public const string Section = "Cdp";

    /// <value>The default is no sources: nothing can be collected until one is configured.</value>
    public List<SourceDefinition> Sources { get; } = [];
}

/// <summary>Defaults of a source's limits.</summary>
public static class SourceDefaults
{
    public const int RequestsPerSecond = 100;
    public const int Burst = 200;
}
