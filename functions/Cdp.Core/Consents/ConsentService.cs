using System.Text.RegularExpressions;
using Cdp.Core.Profiles;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Consents;

/// <summary>
/// Consent decisions set over the API (<c>PUT /api/profiles/{id}/consents/{purpose}</c>): validated (a configured
/// purpose, a decision, an expiry only on a grant and in the future), written to the profile (a merged-away id
/// writes to its survivor) as of now, with the API as source and the request's idempotency key, if any, as evidence.
/// </summary>
public sealed partial class ConsentService(IProfileStore profiles, IOptions<ConsentOptions> options, TimeProvider time)
{
    private const int MaxAttempts = 5;

    public async Task<ConsentResult> SetAsync(string profileId, string purpose, ConsentRequest? request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var errors = new FieldErrors();
        if (!options.Value.Purposes.Contains(purpose, StringComparer.Ordinal))
        {
            errors.Add("purpose", $"Unknown consent purpose '{purpose}'; configured: {string.Join(", ", options.Value.Purposes)}.");
        }

        if (request?.Granted is not { } granted)
        {
            errors.Add("granted", "'granted' is true or false.");
            return ConsentResult.Invalid(errors);
        }

        if (request.ExpiresAt is { } expires && (!granted || expires <= now))
        {
            errors.Add("expiresAt", granted ? "An expiry is in the future." : "Only a grant expires.");
        }

        if (idempotencyKey is not null && !Key().IsMatch(idempotencyKey))
        {
            errors.Add("Idempotency-Key", "1 to 100 letters, digits, '-', '_', '.' or ':'.");
        }

        if (errors.Count > 0)
        {
            return ConsentResult.Invalid(errors);
        }

        var decision = new ProfileConsent(granted, now, "api:" + (idempotencyKey ?? Guid.NewGuid().ToString("N")), request.Source ?? "api", request.ExpiresAt);
        var id = profileId;
        for (int attempt = 1, redirects = 0; ;)
        {
            if (await profiles.GetAsync(id, cancellationToken) is not { } stored)
            {
                return new ConsentResult(null, FieldErrors.None);
            }

            if (stored.Profile.MergedInto is { } survivor)
            {
                // Never written on a merged-away profile (its content is frozen): the survivor takes the decision.
                id = redirects++ < ProfileRedirects.MaxHops ? survivor : throw new InvalidOperationException($"Profile '{profileId}' redirects more than {ProfileRedirects.MaxHops} times.");
                continue;
            }

            var profile = stored.Profile;
            if (profile.Consents.TryGetValue(purpose, out var held) && held.MessageId == decision.MessageId)
            {
                return new ConsentResult(new ConsentView(profile.Id, profile.Consents), FieldErrors.None); // the same request again
            }

            profile.SetConsent(purpose, decision);
            if (await profiles.TryReplaceAsync(profile, stored.VersionTag, cancellationToken) is not null)
            {
                return new ConsentResult(new ConsentView(profile.Id, profile.Consents), FieldErrors.None);
            }

            if (++attempt > MaxAttempts)
            {
                throw new InvalidOperationException($"Profile '{id}' changed under {MaxAttempts} consent writes in a row.");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,100}$")]
    private static partial Regex Key();
}

/// <summary>A decision as the API takes it.</summary>
public sealed record ConsentRequest(bool? Granted, DateTimeOffset? ExpiresAt = null, string? Source = null);

/// <summary>The profile's consents as written (null when there is no such profile), or the bad fields.</summary>
public sealed record ConsentResult(ConsentView? Profile, IReadOnlyDictionary<string, string[]> Errors)
{
    internal static ConsentResult Invalid(FieldErrors errors) => new(null, errors.ToDictionary());
}

/// <summary>A profile's id (the survivor's, when a merged-away id was given) and its consent decisions.</summary>
public sealed record ConsentView(string ProfileId, IReadOnlyDictionary<string, ProfileConsent> Consents);
