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

/// <summary>Names of message types as the Segment spec writes them.</summary>
public static class MessageTypes
{
    /// <summary>The lower-case name (<c>track</c>), without allocating.</summary>
    public static string Name(MessageType type) => type switch
    {
        MessageType.Identify => "identify",
        MessageType.Track => "track",
        MessageType.Page => "page",
        MessageType.Screen => "screen",
        MessageType.Group => "group",
        MessageType.Alias => "alias",
        _ => type.ToString().ToLowerInvariant(),
    };
}
