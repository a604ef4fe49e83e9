namespace Cdp.Core.Journeys;

/// <summary>
/// Journeys defined in configuration (section <c>Cdp:Journeys</c>, a list of <see cref="JourneyDefinition"/>).
/// Those with a <see cref="JourneyDefinition.Trigger"/> enroll profiles as they change.
/// </summary>
public sealed class JourneyOptions
{
    public const string Section = "Cdp";

    /// <value>The default is no journeys.</value>
    public List<JourneyDefinition> Journeys { get; } = [];
}
