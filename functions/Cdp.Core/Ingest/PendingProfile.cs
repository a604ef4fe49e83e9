using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;

namespace Cdp.Core.Ingest;

/// <summary>A profile as loaded for one batch, the batch's messages applied to it, and whether it changed.</summary>
internal sealed class PendingProfile(string id, StoredProfile? stored)
{
    private readonly List<(Message Message, IReadOnlyList<Identifier> Owned)> _applied = [];

    public string Id { get; } = id;

    public StoredProfile? Stored { get; private set; } = stored;

    private Profile? _profile = stored?.Profile;

    /// <summary>The profile with the batch's messages applied (a new one is created at its first message's time).</summary>
    public Profile Profile => _profile ?? throw new InvalidOperationException($"No message was applied to profile '{Id}'.");

    /// <summary>True when the profile is new or a message changed it.</summary>
    public bool Changed { get; private set; }

    public void Apply(Message message, IReadOnlyList<Identifier> owned)
    {
        _applied.Add((message, owned));
        Changed |= ApplyOne(message, owned);
    }

    /// <summary>Starts again from the stored profile as it is now, and re-applies the batch's messages.</summary>
    public void Reload(StoredProfile? stored)
    {
        Stored = stored;
        _profile = stored?.Profile;
        Changed = false;
        foreach (var (message, owned) in _applied)
        {
            Changed |= ApplyOne(message, owned);
        }
    }

    private bool ApplyOne(Message message, IReadOnlyList<Identifier> owned)
    {
        var observedAt = message.Timestamp ?? message.ReceivedAt!.Value;
        _profile ??= new Profile(Id, observedAt);
        var changed = Stored is null;
        foreach (var identifier in owned)
        {
            changed |= _profile.AddIdentifier(identifier, observedAt);
        }

        return ApplyTraits(_profile, message, observedAt) | changed;
    }

    private static bool ApplyTraits(Profile profile, Message message, DateTimeOffset observedAt)
    {
        // identify carries the person's traits at the top level (a group's top-level traits are the
        // group's, not the person's); any message may carry the person's traits in context.traits.
        var traits = message.Type == MessageType.Group ? null : message.Traits;
        traits ??= message.Context?["traits"] as JsonObject;
        if (traits is null)
        {
            return false;
        }

        var changed = false;
        foreach (var (name, value) in traits)
        {
            if (!string.IsNullOrWhiteSpace(name))
            {
                changed |= profile.SetTrait(name, value, observedAt, message.MessageId);
            }
        }

        return changed;
    }
}
