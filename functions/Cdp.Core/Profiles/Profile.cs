using System.Text.Json.Nodes;
using Cdp.Core.Identity;

namespace Cdp.Core.Profiles;

/// <summary>
/// One person: the identifiers that name them and their traits with provenance. State changes go through
/// methods that report whether anything changed, so a replayed message leads to no write.
/// </summary>
public sealed class Profile
{
    private readonly List<Identifier> _identifiers;
    private readonly SortedDictionary<string, Trait> _traits;

    public Profile(string id, DateTimeOffset createdAt)
        : this(id, createdAt, createdAt, [], new Dictionary<string, Trait>())
    {
    }

    private Profile(string id, DateTimeOffset createdAt, DateTimeOffset updatedAt, IEnumerable<Identifier> identifiers, IEnumerable<KeyValuePair<string, Trait>> traits)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        _identifiers = [.. identifiers];
        _traits = new SortedDictionary<string, Trait>(traits.ToDictionary(), StringComparer.Ordinal);
    }

    public string Id { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>The latest event time that changed this profile.</summary>
    public DateTimeOffset UpdatedAt { get; private set; }

    public IReadOnlyList<Identifier> Identifiers => _identifiers;

    public IReadOnlyDictionary<string, Trait> Traits => _traits;

    /// <summary>Adds an identifier; false when the profile already had it.</summary>
    public bool AddIdentifier(Identifier identifier, DateTimeOffset observedAt)
    {
        if (_identifiers.Contains(identifier))
        {
            return false;
        }

        _identifiers.Add(identifier);
        Touch(observedAt);
        return true;
    }

    /// <summary>
    /// Sets a trait when the observation is newer than the one held (last writer by event time wins, ties
    /// broken by message id so that every order of the same messages ends in the same state).
    /// </summary>
    public bool SetTrait(string name, JsonNode? value, DateTimeOffset observedAt, string messageId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_traits.TryGetValue(name, out var held))
        {
            var newer = observedAt > held.ObservedAt
                || (observedAt == held.ObservedAt && string.CompareOrdinal(messageId, held.MessageId) > 0);
            if (!newer)
            {
                return false;
            }

            if (JsonNode.DeepEquals(held.Value, value))
            {
                _traits[name] = new Trait(held.Value, observedAt, messageId);
                return false;
            }
        }

        _traits[name] = new Trait(value?.DeepClone(), observedAt, messageId);
        Touch(observedAt);
        return true;
    }

    public ProfileDocument ToDocument() => new(
        ProfileDocument.CurrentSchemaVersion,
        Id,
        CreatedAt,
        UpdatedAt,
        [.. _identifiers.Select(i => i.ToString())],
        new SortedDictionary<string, Trait>(_traits, StringComparer.Ordinal));

    public static Profile FromDocument(ProfileDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var identifiers = document.Identifiers.Select(text =>
            Identifier.TryParse(text, out var identifier) ? identifier : throw new FormatException($"Profile '{document.Id}' holds an unreadable identifier."));
        return new Profile(document.Id, document.CreatedAt, document.UpdatedAt, identifiers, document.Traits);
    }

    private void Touch(DateTimeOffset observedAt)
    {
        if (observedAt > UpdatedAt)
        {
            UpdatedAt = observedAt;
        }
    }
}
