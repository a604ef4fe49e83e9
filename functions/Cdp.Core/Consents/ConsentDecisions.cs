using System.Globalization;
using System.Text.Json.Nodes;
using Cdp.Core.Events;
using Cdp.Core.Profiles;

namespace Cdp.Core.Consents;

/// <summary>
/// The consent decisions a message carries: Segment's consent context on any message
/// (<c>context.consent.categoryPreferences: {"Advertising": true, …}</c>), and the <see cref="UpdatedEvent"/> track
/// event, whose properties hold <c>categoryPreferences</c>, or <c>purpose</c>, <c>granted</c> and an optional
/// <c>expiresAt</c> (a grant with an expiry) for one purpose.
/// </summary>
public static class ConsentDecisions
{
    /// <summary>The track event that carries consent decisions in its properties.</summary>
    public const string UpdatedEvent = "Consent Updated";

    /// <summary>Whether a message may be collected by a source that requires <paramref name="purpose"/>: it grants it, or it is a decision either way.</summary>
    public static bool Admits(Message message, string purpose)
    {
        ArgumentNullException.ThrowIfNull(message);
        return (message.Context?["consent"]?["categoryPreferences"]?[purpose] is JsonValue granted && granted.TryGetValue<bool>(out var yes) && yes)
            || (message.Type == MessageType.Track && message.Event == UpdatedEvent);
    }

    /// <summary>Records on <paramref name="profile"/> each decision <paramref name="message"/> carries, as of <paramref name="at"/>.</summary>
    public static void Apply(Profile profile, Message message, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(message);
        if (message.Context?["consent"]?["categoryPreferences"] is JsonObject preferences)
        {
            Set(profile, preferences, message, at, null);
        }

        if (message.Type == MessageType.Track && message.Event == UpdatedEvent && message.Properties is { } properties)
        {
            DateTimeOffset? expires = properties["expiresAt"] is JsonValue e && e.TryGetValue<string>(out var text)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until) ? until : null;
            if (properties["categoryPreferences"] is JsonObject categories)
            {
                Set(profile, categories, message, at, expires);
            }
            else if (properties["purpose"] is JsonValue p && p.TryGetValue<string>(out var purpose))
            {
                Set(profile, new JsonObject { [purpose] = properties["granted"]?.DeepClone() }, message, at, expires);
            }
        }
    }

    /// <summary>Each <c>purpose: true|false</c> of <paramref name="decisions"/> as a decision of the message (an expiry applies to grants).</summary>
    private static void Set(Profile profile, JsonObject decisions, Message message, DateTimeOffset at, DateTimeOffset? expiresAt)
    {
        foreach (var (purpose, value) in decisions)
        {
            if (!string.IsNullOrWhiteSpace(purpose) && value is JsonValue decision && decision.TryGetValue<bool>(out var granted))
            {
                profile.SetConsent(purpose, new ProfileConsent(granted, at, message.MessageId, message.SourceId, granted ? expiresAt : null));
            }
        }
    }
}
