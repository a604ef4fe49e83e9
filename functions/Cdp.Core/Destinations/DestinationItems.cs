using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Changes;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Privacy;
using Cdp.Core.Profiles;
using Cdp.Core.Sources;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Destinations;

/// <summary>
/// What a destination is sent, item by item (docs/integrations.md § What a destination receives): for an event
/// destination the accepted messages its filter and Segment's <c>integrations</c> switches let through; for an audience
/// destination one <c>audience</c> item per entry or exit of its segments and one <c>identify</c> item when its traits
/// change. Anything about a person who does not grant the destination's purpose is withheld; personal traits not in
/// its allow-list are removed before its mapping runs, so a mapping cannot move them elsewhere.
/// </summary>
public sealed class DestinationItems(ProfileReader people, IOptions<PrivacyOptions> privacy, TimeProvider time)
{
    private const string PersonField = "person";

    private readonly HashSet<string> _personal = new(privacy.Value.PersonalTraits, StringComparer.Ordinal);

    /// <summary>The items of <paramref name="messages"/> for an event destination.</summary>
    public async Task<SelectedItems> FromMessagesAsync(DestinationDefinition destination, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(messages);
        var selected = new SelectedItems();
        var filter = destination.Events ?? new DestinationEvents();
        var withPerson = destination.Mapping?.Any(s => s.From?.StartsWith(PersonField + ".", StringComparison.Ordinal) == true) == true;
        var found = new Dictionary<string, ProfileView?>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            var type = JsonNamingPolicy.CamelCase.ConvertName(message.Type.ToString());
            if (!Admits(filter.Sources, message.SourceId) || !Admits(filter.Types, type)
                || (filter.Names is { Count: > 0 } && !(message.Type == MessageType.Track && filter.Names.Contains(message.Event!)))
                || !Switched(message.Integrations, destination))
            {
                selected.Filtered++;
                continue;
            }

            ProfileView? person = null;
            if (destination.Purpose is not null || withPerson)
            {
                person = await PersonAsync(message, found, cancellationToken);
            }

            if (destination.Purpose is { } purpose && !Grants(message, person, purpose))
            {
                selected.Withheld++;
                continue;
            }

            var item = JsonSerializer.SerializeToNode(message, CdpJson.Options)!.AsObject();
            item.Remove("profileId");
            RemovePersonal(destination, item, "traits", "context.traits", "properties");
            if (withPerson)
            {
                item[PersonField] = PersonOf(destination, person);
            }

            Add(destination, selected, item);
        }

        return selected;
    }

    /// <summary>The items of one profile change for an audience destination (its profile in clear).</summary>
    public SelectedItems FromChange(DestinationDefinition destination, ProfileChange change)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(change);
        var selected = new SelectedItems();
        var audiences = destination.Audiences ?? new DestinationAudiences();
        var profile = change.Profile;
        if (change.Deleted || profile.MergedInto is not null)
        {
            return selected;
        }

        var now = time.GetUtcNow();
        var transitions = new List<(string Segment, bool Entered, long Version, DateTimeOffset At)>();
        var traits = new List<string>();
        var chosenTraits = audiences.Traits ?? [];
        if (change.MissedAfter is { } after)
        {
            // The versions before this one were not all seen: what changed after `after`, from the state.
            foreach (var segment in audiences.Segments)
            {
                if (profile.SegmentExits?.GetValueOrDefault(segment) is { } exit && exit.Version > after && !profile.Memberships.ContainsKey(segment))
                {
                    transitions.Add((segment, false, exit.Version, exit.At));
                }
                else if (profile.Memberships.GetValueOrDefault(segment) is { } membership && membership.Version > after)
                {
                    transitions.Add((segment, true, membership.Version, membership.Since));
                }
            }

            traits.AddRange(chosenTraits.Where(profile.Traits.ContainsKey));
        }
        else
        {
            foreach (var path in profile.ChangedPaths ?? [])
            {
                if (path.StartsWith("segments.", StringComparison.Ordinal) && path["segments.".Length..] is var segment && audiences.Segments.Contains(segment))
                {
                    var membership = profile.Memberships.GetValueOrDefault(segment);
                    transitions.Add((segment, membership is not null, profile.Version, membership?.Since ?? profile.UpdatedAt));
                }
                else if (path.StartsWith("traits.", StringComparison.Ordinal) && path["traits.".Length..] is var trait && chosenTraits.Contains(trait))
                {
                    traits.Add(trait);
                }
            }
        }

        if (transitions.Count == 0 && traits.Count == 0)
        {
            return selected;
        }

        if (destination.Purpose is { } purpose && !(profile.Consents?.GetValueOrDefault(purpose)?.GrantedAt(now) ?? false))
        {
            selected.Withheld += transitions.Count + (traits.Count > 0 ? 1 : 0);
            return selected;
        }

        var person = Person(destination, profile, chosenTraits);
        foreach (var (segment, entered, version, at) in transitions)
        {
            var item = Base(person, "audience", string.Create(CultureInfo.InvariantCulture, $"audience-{profile.Id}-{segment}-{(entered ? "entered" : "exited")}-{version}"), at);
            item["segment"] = segment;
            item["audience"] = audiences.NameOf(segment);
            item["status"] = entered ? "entered" : "exited";
            item["traits"] = person.Traits.DeepClone();
            Add(destination, selected, item);
        }

        if (traits.Count > 0)
        {
            var item = Base(person, "identify", string.Create(CultureInfo.InvariantCulture, $"traits-{profile.Id}-{profile.Version}"), profile.UpdatedAt);
            item["traits"] = new JsonObject(traits.Where(person.Traits.ContainsKey).Select(t => KeyValuePair.Create(t, person.Traits[t]?.DeepClone())));
            Add(destination, selected, item);
        }

        return selected;
    }

    /// <summary>Runs the destination's mapping on the item (its <c>person</c> removed after) and keeps what it does not drop.</summary>
    private static void Add(DestinationDefinition destination, SelectedItems selected, JsonObject item)
    {
        if (destination.Mapping is { Count: > 0 } mapping)
        {
            var (problem, dropped) = SourceTransform.Apply(item, mapping);
            item.Remove(PersonField);
            if (dropped)
            {
                selected.Filtered++;
                return;
            }

            if (problem is not null)
            {
                selected.Unmappable.Add((item, problem.Replace("transform[", "mapping[", StringComparison.Ordinal)));
                return;
            }
        }

        selected.Items.Add(item);
    }

    private static JsonObject Base(Someone person, string type, string messageId, DateTimeOffset at)
    {
        var item = new JsonObject { ["type"] = type, ["messageId"] = messageId, ["profileId"] = person.ProfileId };
        if (person.UserId is not null)
        {
            item["userId"] = person.UserId;
        }

        if (person.AnonymousId is not null)
        {
            item["anonymousId"] = person.AnonymousId;
        }

        if (person.Email is not null)
        {
            item["email"] = person.Email;
        }

        item["timestamp"] = at.ToString("O", CultureInfo.InvariantCulture);
        return item;
    }

    /// <summary>The person as an audience destination may see them: ids, the email when allowed, the chosen traits allowed.</summary>
    private Someone Person(DestinationDefinition destination, ProfileDocument profile, IReadOnlyList<string> traits)
    {
        string? Identifier(string type) => profile.Identifiers.LastOrDefault(i => i.Type == type)?.Value;
        var chosen = new JsonObject(traits
            .Where(t => profile.Traits.ContainsKey(t) && Allowed(destination, t))
            .Select(t => KeyValuePair.Create(t, profile.Traits[t].Value?.DeepClone())));
        var email = Allowed(destination, "email")
            ? (profile.Traits.GetValueOrDefault("email")?.Value is JsonValue value && value.TryGetValue<string>(out var text) ? text : Identifier("email"))
            : null;
        return new Someone(profile.Id, Identifier(IdentityDefaults.UserId), Identifier(IdentityDefaults.AnonymousId), email, chosen);
    }

    private JsonObject? PersonOf(DestinationDefinition destination, ProfileView? person) => person is null ? null : new JsonObject
    {
        ["profileId"] = person.Id,
        ["traits"] = new JsonObject(person.Traits.Where(t => Allowed(destination, t.Key)).Select(t => KeyValuePair.Create(t.Key, t.Value.Value?.DeepClone()))),
    };

    private bool Allowed(DestinationDefinition destination, string trait) => !_personal.Contains(trait) || destination.PersonalData.Contains(trait);

    private void RemovePersonal(DestinationDefinition destination, JsonObject item, params string[] objects)
    {
        foreach (var path in objects)
        {
            if (SourceTransform.Get(item, path) is JsonObject holder)
            {
                foreach (var name in holder.Select(p => p.Key).Where(k => !Allowed(destination, k)).ToList())
                {
                    holder.Remove(name);
                }
            }
        }
    }

    private async Task<ProfileView?> PersonAsync(Message message, Dictionary<string, ProfileView?> found, CancellationToken cancellationToken)
    {
        foreach (var (type, value) in new[] { (IdentityDefaults.UserId, message.UserId), (IdentityDefaults.AnonymousId, message.AnonymousId) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            var key = type + ":" + value;
            if (!found.TryGetValue(key, out var person))
            {
                person = await people.FindAsync(new Identifier(type, value), cancellationToken);
                found[key] = person;
            }

            if (person is not null)
            {
                return person;
            }
        }

        return null;
    }

    /// <summary>The message's own decision for the purpose when it carries one, else the person's now.</summary>
    private bool Grants(Message message, ProfileView? person, string purpose) =>
        message.Context?["consent"]?["categoryPreferences"]?[purpose] is JsonValue own && own.TryGetValue<bool>(out var decided)
            ? decided
            : person?.Consents.GetValueOrDefault(purpose)?.GrantedAt(time.GetUtcNow()) ?? false;

    private static bool Admits(List<string>? allowed, string? value) => allowed is not { Count: > 0 } || (value is not null && allowed.Contains(value));

    /// <summary>Segment's <c>integrations</c>: the destination's id or name when named, else <c>All</c>, else on.</summary>
    private static bool Switched(JsonObject? integrations, DestinationDefinition destination)
    {
        if (integrations is null)
        {
            return true;
        }

        foreach (var key in new[] { destination.Id, destination.Name, "All" })
        {
            if (integrations[key] is JsonValue value && value.TryGetValue<bool>(out var on))
            {
                return on;
            }
        }

        return true;
    }

    private sealed record Someone(string ProfileId, string? UserId, string? AnonymousId, string? Email, JsonObject Traits);
}

/// <summary>The items selected for a destination, and how many messages or transitions were left out and why.</summary>
public sealed class SelectedItems
{
    public List<JsonObject> Items { get; } = [];

    /// <summary>Left out because the person does not grant the destination's purpose.</summary>
    public int Withheld { get; set; }

    /// <summary>Left out by the destination's filter, its mapping's keepIf/dropIf or the message's <c>integrations</c>.</summary>
    public int Filtered { get; set; }

    /// <summary>Items the mapping could not apply to (a coercion): dead letters of the destination.</summary>
    public List<(JsonObject Item, string Problem)> Unmappable { get; } = [];
}
