using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cdp.Core.Consents;
using Cdp.Core.Events;
using Cdp.Core.Profiles;

namespace Cdp.Core.Ingest;

/// <summary>
/// What one message does to its profile, once: the consent decisions it carries, its traits by the merge policy
/// (within the bounds and the consent a trait needs), and its counts per message type and track event name.
/// </summary>
public sealed class MessageApplier(MergePolicy policy, TraitPurposes traitPurposes)
{
    /// <summary>How many counters (message types and track event names) a profile keeps at most.</summary>
    public const int MaxCounters = 256;

    /// <summary>The longest event name counted by name (characters); a longer one counts only as a track event.</summary>
    public const int MaxCountedEventName = 256;

    private const int MaxCachedEventNames = 10_000;

    private readonly ConcurrentDictionary<string, string> _eventCounters = new(StringComparer.Ordinal);

    /// <summary>Applies a message's traits and counts it, unless the profile already took it in.</summary>
    public bool Apply(Profile profile, Message message, string key, DateTimeOffset at, bool withTraits = true)
    {
        if (profile.HasApplied(key))
        {
            return false;
        }

        // Consent first: a trait that needs a purpose is kept when this very message grants it.
        ConsentDecisions.Apply(profile, message, at);

        // identify carries the person's traits at the top level (a group's top-level traits are the
        // group's, not the person's); any message may carry the person's traits in context.traits.
        var traits = message.Type == MessageType.Group || !withTraits ? null : message.Traits;
        traits ??= withTraits ? message.Context?["traits"] as JsonObject : null;
        if (traits is not null)
        {
            var confidence = policy.ConfidenceOf(message.SourceId);
            foreach (var (name, value) in traits)
            {
                if (string.IsNullOrWhiteSpace(name))
                {
                    continue;
                }

                if (traitPurposes.Withholds(profile, name, at))
                {
                    continue;
                }

                if (profile.Traits.Count >= policy.MaxTraits && !profile.Traits.ContainsKey(name))
                {
                    CdpMetrics.TraitsDropped.Add(1, KeyValuePair.Create<string, object?>("reason", "max_traits"));
                    continue;
                }

                profile.SetTrait(name, new Trait(value, at, message.MessageId, message.SourceId, confidence), policy);
            }
        }

        profile.Count(MessageTypes.Name(message.Type), at);
        if (message.Type == MessageType.Track && !string.IsNullOrWhiteSpace(message.Event) && message.Event.Length <= MaxCountedEventName)
        {
            // Per event name too (segment rules read "last Order Completed"), up to a bound per profile (and of a name's length).
            var counter = EventCounter(message.Event);
            if (profile.Counters.Count < MaxCounters || profile.Counters.ContainsKey(counter))
            {
                profile.Count(counter, at);
            }
        }

        profile.Remember(key, policy.RecentMessages);
        return true;
    }

    /// <summary>The counter key of a track event (<c>track:{event}</c>), built once per event name (names are few).</summary>
    private string EventCounter(string name)
    {
        if (_eventCounters.TryGetValue(name, out var key))
        {
            return key;
        }

        if (_eventCounters.Count >= MaxCachedEventNames)
        {
            _eventCounters.Clear();
        }

        return _eventCounters[name] = ProfileCounters.EventCounterPrefix + name;
    }
}
