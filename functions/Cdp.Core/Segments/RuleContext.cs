using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Profiles;

namespace Cdp.Core.Segments;

/// <summary>
/// The profile as a compiled rule reads it, for one evaluation at one instant. The rule language's functions
/// (<see cref="RuleCompiler"/>) become calls to these methods. Reading time (<see cref="OlderThan"/>,
/// <see cref="Within"/>) records when the answer will next change, so the profile can be evaluated again
/// exactly then (<see cref="NextChange"/>).
/// </summary>
public sealed class RuleContext
{
    private ProfileDocument _profile = null!;
    private Func<string, bool> _inSegment = null!;

    /// <summary>The instant the rules are evaluated at.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>The earliest instant after <see cref="Now"/> at which a time condition read so far changes, if any.</summary>
    public DateTimeOffset? NextChange { get; private set; }

    /// <summary>Points the context at a profile; <paramref name="inSegment"/> answers membership as this evaluation decides it.</summary>
    public void Reset(ProfileDocument profile, DateTimeOffset now, Func<string, bool> inSegment)
    {
        _profile = profile ?? throw new ArgumentNullException(nameof(profile));
        _inSegment = inSegment ?? throw new ArgumentNullException(nameof(inSegment));
        Now = now;
        NextChange = null;
    }

    /// <summary>The trait as text: a string as it is, a number or boolean as JSON text, "" when absent.</summary>
    public string Text(string name) => Value(name) switch
    {
        null => string.Empty,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value => value.ToJsonString(),
        _ => string.Empty,
    };

    /// <summary>The trait as a number (a numeric string too); NaN when absent or not a number, so every comparison is false.</summary>
    public double Number(string name) => Value(name) switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => AsDouble(value),
        JsonValue value when value.GetValueKind() == JsonValueKind.String && double.TryParse(value.GetValue<string>(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => double.NaN,
    };

    /// <summary>True when the trait is <c>true</c> (or the string "true").</summary>
    public bool Flag(string name) => Value(name) switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.True => true,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => string.Equals(value.GetValue<string>(), "true", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>True when the profile holds the trait with a value other than null.</summary>
    public bool HasTrait(string name) => Value(name) is not null;

    /// <summary>True when the profile holds an identifier of <paramref name="type"/>.</summary>
    public bool HasIdentifier(string type)
    {
        foreach (var identifier in _profile.Identifiers)
        {
            if (identifier.Type == type)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>How many events the counter holds (<paramref name="key"/> as <see cref="RuleCompiler.CounterKey"/> made it).</summary>
    public double Count(string key) => Counter(key)?.Count ?? 0;

    /// <summary>The first event's time, or <see cref="DateTimeOffset.MinValue"/> when there was none.</summary>
    public DateTimeOffset FirstSeen(string key) => Counter(key)?.First ?? DateTimeOffset.MinValue;

    /// <summary>The last event's time, or <see cref="DateTimeOffset.MinValue"/> when there was none.</summary>
    public DateTimeOffset LastSeen(string key) => Counter(key)?.Last ?? DateTimeOffset.MinValue;

    /// <summary>True when <paramref name="time"/> is at least <paramref name="days"/> days ago; false for a time that never was.</summary>
    public bool OlderThan(DateTimeOffset time, double days)
    {
        if (time == DateTimeOffset.MinValue)
        {
            return false;
        }

        if (double.IsNaN(days))
        {
            return false;
        }

        var turns = Add(time, days);
        if (turns != DateTimeOffset.MaxValue)
        {
            Changes(turns);
        }

        return Now >= turns;
    }

    /// <summary><paramref name="time"/> plus <paramref name="days"/>, saturating at the ends of time (days a rule computed past any date) instead of throwing.</summary>
    private static DateTimeOffset Add(DateTimeOffset time, double days)
    {
        try
        {
            return time.AddDays(days);
        }
        catch (ArgumentOutOfRangeException)
        {
            return days > 0 ? DateTimeOffset.MaxValue : DateTimeOffset.MinValue;
        }
    }

    /// <summary>True when <paramref name="time"/> is less than <paramref name="days"/> days ago; false for a time that never was.</summary>
    public bool Within(DateTimeOffset time, double days) => time != DateTimeOffset.MinValue && !OlderThan(time, days);

    /// <summary>True when the profile's latest decision for <paramref name="purpose"/> is a grant not expired; an expiry ahead is when the answer next changes.</summary>
    public bool Consent(string purpose)
    {
        if (_profile.Consents is null || !_profile.Consents.TryGetValue(purpose, out var consent) || !consent.Granted)
        {
            return false;
        }

        if (consent.ExpiresAt is { } expires)
        {
            Changes(expires);
        }

        return consent.GrantedAt(Now);
    }

    /// <summary>True when the profile is in the segment (as decided so far in this evaluation).</summary>
    public bool InSegment(string segmentId) => _inSegment(segmentId);

    /// <summary>A number held as parsed JSON or as any CLR number (a value built in code holds an int, a long, …).</summary>
    private static double AsDouble(JsonValue value) =>
        value.TryGetValue<double>(out var d) ? d
        : value.TryGetValue<long>(out var l) ? l
        : value.TryGetValue<int>(out var i) ? i
        : value.TryGetValue<decimal>(out var m) ? (double)m
        : double.Parse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    private JsonNode? Value(string name) => _profile.Traits.TryGetValue(name, out var trait) ? trait.Value : null;

    private EventCounter? Counter(string key) =>
        _profile.Counters is { } counters && counters.Events.TryGetValue(key, out var counter) ? counter : null;

    private void Changes(DateTimeOffset at)
    {
        if (at > Now && (NextChange is null || at < NextChange))
        {
            NextChange = at;
        }
    }
}
