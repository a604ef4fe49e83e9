using System.Text.Json.Serialization;
using Cdp.Core.Sources;

namespace Cdp.Core.Destinations;

/// <summary>
/// A destination: a tool Cdp sends events or audiences to (docs/integrations.md § Destinations). Saved over the API
/// (<c>PUT /api/destinations/{id}</c>) in the host's store. <see cref="Secrets"/> are stored sealed with the master
/// key (<see cref="DestinationSecrets"/>) and never shown again; <see cref="Settings"/> are the type's plain settings.
/// Exactly one of <see cref="Events"/> and <see cref="Audiences"/> says what the destination receives.
/// </summary>
public sealed class DestinationDefinition
{
    public string Id { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    /// <summary>One of the registered clients' types (<see cref="IDestinationClient.Type"/>): webhook, segment, hubspot, mailchimp, slack, ga4.</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>False pauses delivery: nothing is read for it meanwhile (events wait on the log within its retention).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The type's plain settings (a URL, a list id, a message template, an endpoint override).</summary>
    public Dictionary<string, string> Settings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The type's secrets, each sealed (<c>sealed:v1:…</c>, or as given when no master key is configured).</summary>
    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.Ordinal);

    public DestinationEvents? Events { get; set; }

    public DestinationAudiences? Audiences { get; set; }

    /// <summary>Steps applied to each item before it is sent (the same operations as a source's transformation).</summary>
    public List<TransformStep>? Mapping { get; set; }

    /// <summary>The consent purpose a person must grant for anything about them to be sent (null: none asked).</summary>
    public string? Purpose { get; set; }

    /// <summary>The personal traits (docs/privacy.md) that may leave Cdp through this destination; every other is removed.</summary>
    public List<string> PersonalData { get; set; } = [];

    /// <summary>Requests a second at most (null: the type's default).</summary>
    public double? RequestsPerSecond { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    [JsonIgnore]
    public bool ReceivesEvents => Events is not null;

    /// <summary>The name its consumer's checkpoints are kept under (embedded log, change log).</summary>
    [JsonIgnore]
    public string Consumer => "destination:" + Id;
}

/// <summary>Which accepted messages an event destination receives: each list empty or absent means every one.</summary>
public sealed class DestinationEvents
{
    public List<string>? Sources { get; set; }

    /// <summary>Message types (track, identify, page, screen, group, alias).</summary>
    public List<string>? Types { get; set; }

    /// <summary>Track event names.</summary>
    public List<string>? Names { get; set; }
}

/// <summary>What an audience destination receives: entries and exits of these segments, and these traits when they change.</summary>
public sealed class DestinationAudiences
{
    public List<string> Segments { get; set; } = [];

    public List<string>? Traits { get; set; }

    /// <summary>The tool's name for a segment (a HubSpot list id, a Mailchimp tag); a segment not named here goes by its id.</summary>
    public Dictionary<string, string>? Names { get; set; }

    public string NameOf(string segmentId) => Names?.GetValueOrDefault(segmentId) ?? segmentId;
}

/// <summary>A destination as the API shows it: everything but the secrets' values (their names only).</summary>
public sealed record DestinationView(
    string Id,
    string Name,
    string Type,
    bool Enabled,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<string> SecretNames,
    IReadOnlyList<string> PersonalData,
    double RequestsPerSecond,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DestinationEvents? Events = null,
    DestinationAudiences? Audiences = null,
    IReadOnlyList<TransformStep>? Mapping = null,
    string? Purpose = null);

/// <summary>
/// How a destination's delivery is going, as the status API shows it: the last success and error, what was delivered,
/// dead-lettered, withheld (no consent) and filtered out, and (on Cdp.Local) the backlog its consumer has not read.
/// </summary>
public sealed record DestinationStatus(
    string Id,
    DateTimeOffset? LastSuccessAt = null,
    DateTimeOffset? LastErrorAt = null,
    string? LastError = null,
    long Delivered = 0,
    long DeadLettered = 0,
    long Withheld = 0,
    long Filtered = 0)
{
    /// <summary>Items after its consumer's checkpoint (messages or profile changes); null where the host cannot tell (the Function App).</summary>
    public long? Backlog { get; init; }
}

/// <summary>
/// Saved destinations and their delivery status (SQLite tables / Cosmos DB containers <c>destinations</c> and
/// <c>destinationStatus</c>). Version tags make replaces optimistic, as for sources.
/// </summary>
public interface IDestinationStore
{
    Task<(DestinationDefinition Destination, string Tag)?> GetAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<DestinationDefinition>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Creates (<paramref name="versionTag"/> null) or replaces against the tag; the new tag, or null when taken or changed meanwhile.</summary>
    Task<string?> TryPutAsync(DestinationDefinition destination, string? versionTag, CancellationToken cancellationToken);

    /// <summary>Deletes the destination and its status.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    Task<(DestinationStatus Status, string Tag)?> GetStatusAsync(string id, CancellationToken cancellationToken);

    /// <summary>Creates (<paramref name="versionTag"/> null) or replaces a status against its tag; the new tag, or null.</summary>
    Task<string?> TryPutStatusAsync(DestinationStatus status, string? versionTag, CancellationToken cancellationToken);
}
