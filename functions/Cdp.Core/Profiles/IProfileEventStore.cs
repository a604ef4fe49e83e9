using System.Text.Json.Nodes;
using Cdp.Core.Events;

namespace Cdp.Core.Profiles;

/// <summary>
/// A profile's event history: each applied message recorded under the profile it was applied to. When that
/// profile is later merged away, its events are read through the survivor (read-time redirect), never moved.
/// </summary>
/// <remarks>
/// Recording an event again (same profile and message id) changes nothing. Events are kept for at least
/// <see cref="Retention"/> after they were recorded, then expire (Cosmos DB: the item's <c>ttl</c>; SQLite: pruned).
/// </remarks>
public interface IProfileEventStore
{
    /// <summary>How long a recorded event is kept.</summary>
    static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    Task AppendAsync(IReadOnlyList<ProfileEvent> events, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> events of one stored profile id, newest first.</summary>
    Task<IReadOnlyList<ProfileEvent>> ListAsync(string profileId, int max, CancellationToken cancellationToken);

    /// <summary>Deletes every event recorded under the profile id (an erasure); how many stored items went.</summary>
    Task<int> DeleteAsync(string profileId, CancellationToken cancellationToken);
}

/// <summary>An event as recorded in a profile's history.</summary>
public sealed record ProfileEvent(
    string ProfileId,
    string MessageId,
    MessageType Type,
    DateTimeOffset Timestamp,
    string? SourceId,
    string? Event = null,
    string? Name = null,
    JsonObject? Properties = null)
{
    public static ProfileEvent Of(string profileId, Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(profileId, message.MessageId, message.Type, message.Timestamp ?? message.ReceivedAt!.Value, message.SourceId, message.Event, message.Name, message.Properties);
    }
}
