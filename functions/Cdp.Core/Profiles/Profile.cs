
namespace Cdp.Core.Profiles;

/// <summary>
/// One person: the identifiers that name them (with when they were seen), traits with provenance decided by
/// the <see cref="MergePolicy"/>, event counters, the profiles merged into it, and the messages recently
/// applied. A merged-away profile is a redirect: <see cref="MergedInto"/> names the survivor and its content
/// stays frozen as it was at the merge. State changes go through methods that report whether anything
/// changed, so a replayed message leads to no write.
/// </summary>
public sealed class Profile
{
    // Structs, updated in place: a known identifier seen again (every event) allocates nothing.
    private readonly List<HeldIdentifier> _identifiers;
    private readonly SortedDictionary<string, Trait> _traits;
    private readonly SortedDictionary<string, EventCounter> _counters;
    private readonly SortedSet<string> _merged;
    private readonly List<string> _recent;
    private readonly SortedDictionary<string, SegmentMembership> _segments;
    private readonly SortedDictionary<string, SegmentExit> _exits;
    private readonly SortedDictionary<string, ProfileConsent> _consents;
    private SortedSet<string>? _claiming;
    private SortedDictionary<string, string>? _moving;
    // What changed since the last write: trait names, counter types and the other parts, kept apart so that
    // recording a change allocates nothing (the paths are built when a document is).
    private readonly SortedSet<string> _changedTraits = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _changedCounters = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _changedParts = new(StringComparer.Ordinal);

    /// <summary>Only when identifiers were seen changed (first/last seen, last linked), not which identifiers the profile holds.</summary>
    private const string SeenPath = "identifiers.seen";
    private long _storedVersion;
    private bool _bookkeeping;

    /// <summary>A new profile: version 1 once written, even with nothing in it yet.</summary>
    public Profile(string id, DateTimeOffset createdAt)
        : this(new ProfileDocument(ProfileDocument.CurrentSchemaVersion, id, createdAt, createdAt, [], new Dictionary<string, Trait>()))
    {
        Version = 1;
    }

    private Profile(ProfileDocument document)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(document.Id);
        Id = document.Id;
        CreatedAt = document.CreatedAt;
        UpdatedAt = document.UpdatedAt;
        MergedInto = document.MergedInto;
        Version = _storedVersion = document.Version;
        _identifiers = [.. document.Identifiers.Select(i => HeldIdentifier.From(i.FirstSeen == default ? i with { FirstSeen = document.CreatedAt, LastSeen = document.CreatedAt } : i))];
        _traits = Sorted(document.Traits);
        _counters = Sorted(document.Counters?.Events);
        _merged = new SortedSet<string>(document.Merged ?? [], StringComparer.Ordinal);
        _recent = [.. document.RecentKeys.Select(Shortened)];
        _segments = Sorted(document.Segments);
        _exits = Sorted(document.SegmentExits);
        _consents = Sorted(document.Consents);
        _claiming = document.Claiming is { Count: > 0 } claiming ? new SortedSet<string>(claiming, StringComparer.Ordinal) : null;
        _moving = document.Moving is { Count: > 0 } moving ? Sorted(moving) : null;
        CatchUp = document.CatchUp;
    }

    /// <summary>The version whose change the change feed's subscribers handle as a catch-up (see <see cref="AskCatchUp"/>).</summary>
    public long? CatchUp { get; private set; }

    /// <summary>
    /// Asks the change feed's subscribers to handle this profile again from its whole state: a new version (no change
    /// path) marked as a catch-up, so every segment is evaluated and every reaction checked again (a change-feed dead
    /// letter replayed after a fix).
    /// </summary>
    public void AskCatchUp()
    {
        Bookkeeping();
        CatchUp = Version;
    }

    public string Id { get; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the span that makes the next version (ingest's span of the message applied last):
    /// written with it, so the change feed's span for that version continues the trace (<see cref="CdpTracing"/>). Not
    /// read from the stored document; when nobody set it, the current span's.
    /// </summary>
    public string? TraceParent { get; set; }

    /// <summary>The event time of the message that created the profile; never changes (it orders merge survivors).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The latest event time that changed this profile.</summary>
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>
    /// The profile's version: 1 when first written, one more at each write that changes it. The change feed's
    /// consumers use it to tell a newer change from a redelivered or older one.
    /// </summary>
    public long Version { get; private set; }

    /// <summary>
    /// What changed since the profile was read: <c>identifiers</c> (one added or removed), <c>identifiers.seen</c>
    /// (only when they were seen), <c>traits.{name}</c>, <c>counters.{type}</c> (an event applied now), <c>merged</c>
    /// (another profile's content taken in: its traits and counters are not listed, they are not new), <c>mergedInto</c>.
    /// </summary>
    public IReadOnlyList<string> ChangedPaths
    {
        get
        {
            // In ordinal order: "counters." < "identifiers" < "merged" < "traits.".
            var paths = new List<string>(_changedCounters.Count + _changedParts.Count + _changedTraits.Count);
            foreach (var type in _changedCounters)
            {
                paths.Add("counters." + type);
            }

            paths.AddRange(_changedParts);
            foreach (var name in _changedTraits)
            {
                paths.Add("traits." + name);
            }

            return paths;
        }
    }

    /// <summary>The survivor this profile was merged into, or null for a live profile.</summary>
    public string? MergedInto { get; private set; }

    /// <summary>The identifiers the profile holds (a copy).</summary>
    public IReadOnlyList<ProfileIdentifier> Identifiers => [.. _identifiers.Select(i => i.ToRecord())];

    public IReadOnlyDictionary<string, Trait> Traits => _traits;

    public IReadOnlyDictionary<string, EventCounter> Counters => _counters;

    /// <summary>The consent decisions per purpose (the latest of each).</summary>
    public IReadOnlyDictionary<string, ProfileConsent> Consents => _consents;

    /// <summary>
    /// Records a consent decision for <paramref name="purpose"/> unless a later one is held; at the same instant a
    /// denial wins over a grant. True when the profile changed (<c>consents.{purpose}</c>).
    /// </summary>
    public bool SetConsent(string purpose, ProfileConsent consent)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        ArgumentNullException.ThrowIfNull(consent);
        if (_consents.TryGetValue(purpose, out var held) && !ProfileConsent.Supersedes(consent, held))
        {
            return false;
        }

        _consents[purpose] = consent;
        Touch(consent.At);
        Changed(_changedParts, "consents." + purpose);
        return true;
    }

    /// <summary>The segments the profile is in, each with when it entered.</summary>
    public IReadOnlyDictionary<string, SegmentMembership> Segments => _segments;

    /// <summary>Every profile merged into this one, directly or through another merged profile.</summary>
    public IReadOnlySet<string> Merged => _merged;

    /// <summary>
    /// The survivor order: a profile that sorts first survives a merge. The oldest (by <see cref="CreatedAt"/>)
    /// first, then by id, so every consumer picks the same survivor for the same profiles.
    /// </summary>
    public static int SurvivorOrder(Profile a, Profile b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var byAge = a.CreatedAt.CompareTo(b.CreatedAt);
        return byAge != 0 ? byAge : string.CompareOrdinal(a.Id, b.Id);
    }

    public bool Holds(Identifier identifier) => IndexOf(identifier) >= 0;

    /// <summary>When a message last carried the identifier with another of this profile's, or null (see <see cref="ProfileIdentifier.LastLinked"/>).</summary>
    public DateTimeOffset? LastLinked(Identifier identifier)
    {
        var index = IndexOf(identifier);
        return index < 0 ? null : _identifiers[index].LastLinked;
    }

    /// <summary>Adds the values of <paramref name="type"/> the profile holds to <paramref name="into"/>; returns how many it holds.</summary>
    public int ValuesOf(string type, ISet<string> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var count = 0;
        foreach (var held in _identifiers)
        {
            if (held.Type == type)
            {
                into.Add(held.Value);
                count++;
            }
        }

        return count;
    }

    /// <summary>How many distinct values of <paramref name="type"/> the profile holds.</summary>
    public int CountOf(string type)
    {
        var count = 0;
        foreach (var held in _identifiers)
        {
            count += held.Type == type ? 1 : 0;
        }

        return count;
    }

    /// <summary>
    /// Links an identifier seen at <paramref name="at"/>, <paramref name="together"/> with another identifier
    /// of the message or not; true when the profile did not hold it.
    /// </summary>
    public bool Link(Identifier identifier, DateTimeOffset at, bool together = false)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var index = IndexOf(identifier);
        if (index < 0)
        {
            return Link(new HeldIdentifier(identifier.Type, identifier.Value, at, at, together ? at : null));
        }

        var held = _identifiers[index];
        if (at < held.FirstSeen || at > held.LastSeen || (together && !(held.LastLinked >= at)))
        {
            _identifiers[index] = held with
            {
                FirstSeen = at < held.FirstSeen ? at : held.FirstSeen,
                LastSeen = at > held.LastSeen ? at : held.LastSeen,
                LastLinked = together && !(held.LastLinked >= at) ? at : held.LastLinked,
            };
            Changed(_changedParts, SeenPath);
        }

        return false;
    }

    private bool Link(HeldIdentifier seen)
    {
        var index = IndexOf(seen.Type, seen.Value);
        if (index < 0)
        {
            _identifiers.Add(seen);
            Touch(seen.LastSeen);
            Changed(_changedParts, "identifiers");
            return true;
        }

        var held = _identifiers[index];
        var merged = held with
        {
            FirstSeen = seen.FirstSeen < held.FirstSeen ? seen.FirstSeen : held.FirstSeen,
            LastSeen = seen.LastSeen > held.LastSeen ? seen.LastSeen : held.LastSeen,
            LastLinked = Nullable.Compare(seen.LastLinked, held.LastLinked) > 0 ? seen.LastLinked : held.LastLinked,
        };
        if (merged != held)
        {
            _identifiers[index] = merged;
            Changed(_changedParts, SeenPath);
        }

        return false;
    }

    /// <summary>
    /// The index keys of identifiers linked to this profile whose index entry was not yet seen naming it (the claim
    /// follows the profile's write): whoever reads the profile next finishes the claim or lets go of the identifier.
    /// </summary>
    public IReadOnlyCollection<string> Claiming => (IReadOnlyCollection<string>?)_claiming ?? [];

    /// <summary>Marks the identifier with this index key as linked, its claim to follow; false when it was marked.</summary>
    public bool MarkClaiming(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (!(_claiming ??= new SortedSet<string>(StringComparer.Ordinal)).Add(key))
        {
            return false;
        }

        Bookkeeping();
        return true;
    }

    /// <summary>The index entry with this key was seen naming this profile, or the profile let go of it; false when it was not marked.</summary>
    public bool ClaimSettled(string key)
    {
        if (_claiming?.Remove(key) != true)
        {
            return false;
        }

        Bookkeeping();
        return true;
    }

    /// <summary>
    /// The device identifiers (by index key) this profile let go of, each with the profile it is moving to, while the
    /// index entry may still name this one (see <see cref="Unlink(Identifier, string, string)"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string> Moving => (IReadOnlyDictionary<string, string>?)_moving ?? EmptyMoves;

    private static readonly IReadOnlyDictionary<string, string> EmptyMoves = new Dictionary<string, string>();

    /// <summary>
    /// Lets go of an identifier moving to <paramref name="toProfileId"/>, and keeps that forwarding address under its
    /// index key until the entry follows; false when it held it not and knew the move.
    /// </summary>
    public bool Unlink(Identifier identifier, string key, string toProfileId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(toProfileId);
        var changed = Unlink(identifier);
        if ((_moving ??= new SortedDictionary<string, string>(StringComparer.Ordinal)).TryGetValue(key, out var to) && to == toProfileId)
        {
            return changed;
        }

        _moving[key] = toProfileId;
        Bookkeeping();
        return true;
    }

    /// <summary>The move of the identifier with this index key is over (the entry followed, or went elsewhere); false when none was known.</summary>
    public bool MoveSettled(string key)
    {
        if (_moving?.Remove(key) != true)
        {
            return false;
        }

        Bookkeeping();
        return true;
    }

    /// <summary>Removes an identifier (it moved to another profile); false when the profile did not hold it.</summary>
    public bool Unlink(Identifier identifier)
    {
        var index = IndexOf(identifier);
        if (index < 0)
        {
            return false;
        }

        _identifiers.RemoveAt(index);
        Changed(_changedParts, "identifiers");
        return true;
    }

    /// <summary>
    /// Applies an observed trait value by the merge policy; true when the trait changed. The value may still
    /// belong to the message's JSON: it is copied only if the profile keeps it.
    /// </summary>
    public bool SetTrait(string name, Trait observed, MergePolicy policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(policy);
        var result = _traits.TryGetValue(name, out var held) ? policy.Combine(name, held, observed) : observed;
        if (ReferenceEquals(result, held))
        {
            return false;
        }

        _traits[name] = Detached(result);
        Touch(observed.ObservedAt);
        Changed(_changedTraits, name);
        return true;
    }

    /// <summary>Counts one event of <paramref name="type"/> at <paramref name="at"/>.</summary>
    public void Count(string type, DateTimeOffset at)
    {
        Changed(_changedCounters, type);
        _counters[type] = _counters.TryGetValue(type, out var held)
            ? new EventCounter(held.Count + 1, at < held.First ? at : held.First, at > held.Last ? at : held.Last, Version)
            : new EventCounter(1, at, at, Version);
        Touch(at);
    }

    /// <summary>
    /// How many characters of a message key a profile keeps: 11 base64url characters (66 bits) tell a profile's
    /// recent messages apart (two of 256 keys share a prefix with odds of about 1 in 10^15), at a fraction of a key's
    /// size in every profile write.
    /// </summary>
    public const int RememberedKeyLength = 11;

    /// <summary>True when the message was applied to this profile recently (see <see cref="MergePolicyOptions.RecentMessages"/>).</summary>
    public bool HasApplied(string messageKey)
    {
        ArgumentNullException.ThrowIfNull(messageKey);
        var remembered = messageKey.AsSpan(0, Math.Min(messageKey.Length, RememberedKeyLength));
        foreach (var key in _recent)
        {
            // Kept shortened (Remember, and when read), so compared whole, without a substring per message on the hot path.
            if (key.AsSpan().SequenceEqual(remembered))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Remembers a message as applied. Beyond <paramref name="limit"/> the oldest is forgotten, one for each new
    /// message, so that the keys a merge brought in (<see cref="Absorb"/>) give way one by one, never all at once;
    /// never more than twice <paramref name="limit"/> are kept.
    /// </summary>
    public void Remember(string messageKey, int limit)
    {
        ArgumentNullException.ThrowIfNull(messageKey);
        _recent.Add(Shortened(messageKey));
        if (_recent.Count > 2 * limit)
        {
            _recent.RemoveRange(0, _recent.Count - (2 * limit));
        }
        else if (_recent.Count > limit)
        {
            _recent.RemoveAt(0);
        }
    }

    /// <summary>
    /// Keeps the newest <paramref name="limit"/> keys of each profile, interleaved from the newest back, so that the
    /// batches in flight for either (redelivered after the merge) are still recognised and each side's oldest give
    /// way first (<see cref="Remember"/> forgets one for each new message).
    /// </summary>
    private void AbsorbRecent(List<string> theirs, int limit)
    {
        var kept = new List<string>(Math.Min(_recent.Count, limit) + Math.Min(theirs.Count, limit));
        int mine = _recent.Count - 1, other = theirs.Count - 1, fromMine = 0, fromTheirs = 0;
        while ((mine >= 0 && fromMine < limit) || (other >= 0 && fromTheirs < limit))
        {
            if (mine >= 0 && fromMine < limit)
            {
                kept.Add(_recent[mine--]);
                fromMine++;
            }

            if (other >= 0 && fromTheirs < limit)
            {
                if (!_recent.Contains(theirs[other]))
                {
                    kept.Add(theirs[other]);
                }

                other--;
                fromTheirs++;
            }
        }

        kept.Reverse();
        _recent.Clear();
        _recent.AddRange(kept);
    }

    /// <summary>
    /// Makes the profile's document at most <paramref name="maxBytes"/> of JSON: the traits' losing values go first,
    /// then the largest traits, one by one. Returns what was dropped (trait names, <c>name (history)</c> for losing
    /// values), empty when the document fitted. Only for a profile a store refused as too large (it serializes).
    /// </summary>
    public IReadOnlyList<string> Shrink(int maxBytes)
    {
        var dropped = new List<string>();
        int Size() => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(ToDocument(), Events.CdpJson.Options).Length;
        if (Size() <= maxBytes)
        {
            return dropped;
        }

        foreach (var (name, trait) in _traits.Where(t => t.Value.History is { Count: > 0 }).ToList())
        {
            _traits[name] = trait with { History = null };
            Changed(_changedTraits, name);
            dropped.Add(name + " (history)");
        }

        var size = Size();
        foreach (var (name, bytes) in _traits.Select(t => (t.Key, Bytes: System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(t.Value, Events.CdpJson.Options).Length)).OrderByDescending(t => t.Bytes).ThenBy(t => t.Key, StringComparer.Ordinal).ToList())
        {
            if (size <= maxBytes)
            {
                break;
            }

            _traits.Remove(name);
            Changed(_changedTraits, name);
            dropped.Add(name);
            size -= bytes;
        }

        return dropped;
    }

    /// <summary>
    /// Remembers <paramref name="other"/>'s recent messages as applied here too (a profile split off a merged one, whose
    /// messages the survivor counted); false when it knew them all.
    /// </summary>
    public bool RecallRecent(Profile other, int limit)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._recent.TrueForAll(_recent.Contains))
        {
            return false;
        }

        AbsorbRecent(other._recent, limit);
        return true;
    }

    /// <summary>
    /// Takes in a merged-away profile: its identifiers, its traits decided by the policy, its counters added,
    /// its recent messages, and it and everything merged into it. False when it was taken in before.
    /// </summary>
    /// <param name="limitOf">The limit of each identifier type: an identifier of the other profile that would take this
    /// one past it is not taken in (the resolver gives it a profile of its own). Null: no limit.</param>
    public bool Absorb(Profile other, MergePolicy policy, Func<string, int>? limitOf = null)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(policy);
        if (other.Id == Id || _merged.Contains(other.Id))
        {
            return false;
        }

        foreach (var held in other._identifiers)
        {
            if (limitOf is null || IndexOf(held.Type, held.Value) >= 0 || CountOf(held.Type) < limitOf(held.Type))
            {
                Link(held);
            }
        }

        // Traits and counters taken in are not reported as changed paths: they moved, nothing new happened to the person
        // (a journey triggered by an event must not see the merged profile's old events as new ones). "merged" says
        // that everything may have changed, and segments are evaluated again in full.
        foreach (var (name, trait) in other._traits)
        {
            _traits[name] = _traits.TryGetValue(name, out var mine) ? policy.Combine(name, mine, trait) : trait;
        }

        foreach (var (purpose, consent) in other._consents)
        {
            var merged = _consents.TryGetValue(purpose, out var mine) ? ProfileConsent.Merge(mine, consent) : consent;
            if (!Equals(merged, mine))
            {
                _consents[purpose] = merged;
                Changed(_changedParts, "consents." + purpose);
            }
        }

        foreach (var (type, counter) in other._counters)
        {
            _counters[type] = _counters.TryGetValue(type, out var mine) ? mine.Add(counter) : counter with { Version = 0 };
        }

        // Its links whose claims were not seen through, and its moves under way: whoever reads this profile next
        // finishes or undoes them.
        foreach (var key in other.Claiming)
        {
            MarkClaiming(key);
        }

        foreach (var (key, to) in other.Moving)
        {
            if ((_moving ??= new SortedDictionary<string, string>(StringComparer.Ordinal)).TryAdd(key, to))
            {
                Bookkeeping();
            }
        }

        _merged.Add(other.Id);
        Changed(_changedParts, "merged");
        _merged.UnionWith(other._merged);
        AbsorbRecent(other._recent, policy.RecentMessages);

        Touch(other.UpdatedAt);
        return true;
    }

    /// <summary>How many segment exits a profile remembers (the latest per segment, the most recent ones).</summary>
    public const int MaxRememberedExits = 64;

    /// <summary>
    /// Records that the profile entered <paramref name="segmentId"/> at <paramref name="since"/> in the version being
    /// made; false when it was in it.
    /// </summary>
    public bool Enter(string segmentId, DateTimeOffset since)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(segmentId);
        if (_segments.ContainsKey(segmentId))
        {
            return false;
        }

        Changed(_changedParts, SegmentPath(segmentId));
        _segments[segmentId] = new SegmentMembership(since, Version);
        return true;
    }

    /// <summary>
    /// Records that the profile left <paramref name="segmentId"/> at <paramref name="at"/> in the version being made, and
    /// remembers the exit (<see cref="SegmentExits"/>); false when it was not in it.
    /// </summary>
    public bool Exit(string segmentId, DateTimeOffset at)
    {
        if (!_segments.Remove(segmentId, out var membership))
        {
            return false;
        }

        Changed(_changedParts, SegmentPath(segmentId));
        _exits[segmentId] = new SegmentExit(membership.Since, membership.Version, at, Version);
        if (_exits.Count > MaxRememberedExits)
        {
            _exits.Remove(_exits.MinBy(e => e.Value.Version).Key);
        }

        return true;
    }

    /// <summary>The latest exit of each segment the profile left (at most <see cref="MaxRememberedExits"/>, the most recent).</summary>
    public IReadOnlyDictionary<string, SegmentExit> SegmentExits => _exits;

    /// <summary>The change path of a segment membership: <c>segments.{id}</c>.</summary>
    public static string SegmentPath(string segmentId) => "segments." + segmentId;

    /// <summary>Turns this profile into a redirect to <paramref name="survivorId"/>; false when it already is one.</summary>
    public bool RedirectTo(string survivorId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(survivorId);
        if (MergedInto == survivorId)
        {
            return false;
        }

        MergedInto = MergedInto is null ? survivorId : throw new InvalidOperationException($"Profile '{Id}' was already merged into '{MergedInto}'.");
        Changed(_changedParts, "mergedInto");
        return true;
    }

    /// <summary>
    /// Points a redirect at <paramref name="to"/>, the survivor of <paramref name="from"/>, which it pointed at, so that
    /// redirects stay one hop; false when it points elsewhere already (its content stays frozen either way).
    /// </summary>
    public bool Repoint(string from, string to)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(to);
        if (MergedInto != from || from == to)
        {
            return false;
        }

        MergedInto = to;
        Changed(_changedParts, "mergedInto");
        return true;
    }

    public ProfileDocument ToDocument() => new(
        ProfileDocument.CurrentSchemaVersion,
        Id,
        CreatedAt,
        UpdatedAt,
        [.. _identifiers.Select(i => i.ToRecord())],
        new SortedDictionary<string, Trait>(_traits, StringComparer.Ordinal),
        new ProfileCounters(new SortedDictionary<string, EventCounter>(_counters, StringComparer.Ordinal)),
        MergedInto,
        _merged.Count == 0 ? null : [.. _merged],
        null,
        Version,
        _changedCounters.Count + _changedParts.Count + _changedTraits.Count == 0 ? (_bookkeeping ? [] : null) : ChangedPaths,
        Segments: _segments.Count == 0 ? null : new SortedDictionary<string, SegmentMembership>(_segments, StringComparer.Ordinal),
        SegmentExits: _exits.Count == 0 ? null : new SortedDictionary<string, SegmentExit>(_exits, StringComparer.Ordinal),
        Consents: _consents.Count == 0 ? null : new SortedDictionary<string, ProfileConsent>(_consents, StringComparer.Ordinal),
        Claiming: _claiming is not { Count: > 0 } ? null : [.. _claiming],
        Moving: _moving is not { Count: > 0 } ? null : new SortedDictionary<string, string>(_moving, StringComparer.Ordinal),
        CatchUp: CatchUp == Version ? CatchUp : null,
        Recent: _recent.Count == 0 ? null : string.Join(' ', _recent),
        TraceParent: TraceParent ?? CdpTracing.CurrentParent);

    public static Profile FromDocument(ProfileDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new Profile(document);
    }

    /// <summary>
    /// The trait with every value the profile keeps detached from the message it came from (a value still in
    /// a message's JSON has a parent): observed values are cloned only when kept.
    /// </summary>
    private static Trait Detached(Trait trait)
    {
        var detached = trait.Value?.Parent is null ? trait : trait with { Value = trait.Value.DeepClone() };
        if (trait.History is { } history && history.Any(h => h.Value?.Parent is not null))
        {
            detached = detached with { History = [.. history.Select(h => h.Value?.Parent is null ? h : h with { Value = h.Value.DeepClone() })] };
        }

        return detached;
    }

    private static SortedDictionary<string, T> Sorted<T>(IReadOnlyDictionary<string, T>? entries)
    {
        var sorted = new SortedDictionary<string, T>(StringComparer.Ordinal);
        foreach (var (key, value) in entries ?? new Dictionary<string, T>())
        {
            sorted.Add(key, value);
        }

        return sorted;
    }

    /// <summary>The part of a message key a profile keeps (profiles written before kept longer keys: they are shortened when read).</summary>
    private static string Shortened(string key) => key.Length > RememberedKeyLength ? key[..RememberedKeyLength] : key;

    private int IndexOf(Identifier identifier) => IndexOf(identifier.Type, identifier.Value);

    private int IndexOf(string type, string value)
    {
        for (var i = 0; i < _identifiers.Count; i++)
        {
            if (_identifiers[i].Type == type && _identifiers[i].Value == value)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The profile as it is now was written: what changed is cleared, the next change makes the next version.</summary>
    public void Committed()
    {
        _storedVersion = Version;
        _changedTraits.Clear();
        _changedCounters.Clear();
        _changedParts.Clear();
        _bookkeeping = false;
    }

    private void Changed(SortedSet<string> set, string name)
    {
        NextVersion();
        set.Add(name);
    }

    /// <summary>A change of the identity notes (<see cref="Claiming"/>, <see cref="Moving"/>): a new version, no change path (nothing about the person changed).</summary>
    private void Bookkeeping()
    {
        NextVersion();
        _bookkeeping = true;
    }

    /// <summary>The first change since the profile was read or written makes the next version.</summary>
    private void NextVersion()
    {
        if (_changedTraits.Count == 0 && _changedCounters.Count == 0 && _changedParts.Count == 0 && !_bookkeeping)
        {
            Version = _storedVersion + 1;
        }
    }

    private void Touch(DateTimeOffset at)
    {
        if (at > UpdatedAt)
        {
            UpdatedAt = at;
        }
    }
}

/// <summary>An identifier as a profile holds it in memory (see <see cref="ProfileIdentifier"/>, its stored shape).</summary>
internal readonly record struct HeldIdentifier(string Type, string Value, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset? LastLinked)
{
    public static HeldIdentifier From(ProfileIdentifier stored) => new(stored.Type, stored.Value, stored.FirstSeen, stored.LastSeen, stored.LastLinked);

    public ProfileIdentifier ToRecord() => new(Type, Value, FirstSeen, LastSeen, LastLinked);
}
