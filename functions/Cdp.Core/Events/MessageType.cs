namespace Cdp.Core.Events;

/// <summary>The Segment message types. Serialized lower-case, as the Segment spec writes them.</summary>
public enum MessageType
{
    Identify,
    Track,
    Page,
    Screen,
    Group,
    Alias,
}
