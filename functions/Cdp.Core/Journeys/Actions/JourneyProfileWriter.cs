using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Profiles;

namespace Cdp.Core.Journeys.Actions;

/// <summary>
/// The profile changes journeys make (<c>setTrait</c>, <c>addTag</c>): a trait set with provenance <c>journey:{id}</c>
/// and the step's key as its message id, against the profile's version tag. A repeat finds the value there and writes
/// nothing; a merged-away or missing profile is not changed (<c>noProfile</c>).
/// </summary>
public sealed class JourneyProfileWriter(IProfileStore profiles, MergePolicy policy, TimeProvider time)
{
    private const int MaxAttempts = 5;

    /// <summary>Sets <paramref name="trait"/> to <paramref name="value"/>, or with <paramref name="tag"/> adds it to the <c>tags</c> trait; answers <c>changed</c>, <c>unchanged</c> or <c>noProfile</c>.</summary>
    public async Task<string> ChangeAsync(string profileId, string journeyId, string messageId, string trait, JsonNode? value, string? tag, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await profiles.GetAsync(profileId, cancellationToken) is not { } stored || stored.Profile.MergedInto is not null)
            {
                return "noProfile";
            }

            var profile = stored.Profile;
            var (name, next) = tag is not null ? ("tags", WithTag(profile, tag)) : (trait, value?.DeepClone());
            if (next is null && tag is not null)
            {
                return "unchanged";
            }

            var observed = new Trait(next, time.GetUtcNow(), messageId, "journey:" + journeyId);
            if (!profile.SetTrait(name, observed, policy))
            {
                return "unchanged";
            }

            if (await profiles.TryReplaceAsync(profile, stored.VersionTag, cancellationToken) is not null)
            {
                return "changed";
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"Profile '{profileId}' changed under {MaxAttempts} journey writes in a row.");
            }
        }
    }

    private static JsonArray? WithTag(Profile profile, string tag)
    {
        var tags = profile.Traits.TryGetValue("tags", out var held) && held.Value is JsonArray array ? array : [];
        if (tags.Any(t => t is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == tag))
        {
            return null;
        }

        return new JsonArray([.. tags.Select(t => t?.DeepClone())]) { tag };
    }
}
