using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.DeadLetters;
using Cdp.Core.Profiles;

namespace Cdp.Core.Changes;

/// <summary>
/// The change feed's dead letters: a change a subscriber failed on deterministically is parked with its reason
/// (<see cref="KeepAsync"/>); replaying it after a fix asks the subscribers to handle the profile again from its whole
/// state (<see cref="Profile.AskCatchUp"/>: a new version the feed delivers), which covers the version that failed and
/// any since. No runtime is needed where the replay is asked (the HTTP host): the feed does the rest.
/// </summary>
public sealed class ProfileChangeReplay(IProfileStore profiles, IDeadLetterStore deadLetters, TimeProvider time)
{
    private const int MaxAttempts = 5;

    /// <summary>Parks <paramref name="change"/> for <paramref name="subscriber"/>, under an id derived from them (a redelivery writes the same letter).</summary>
    public async Task KeepAsync(ProfileChange change, string subscriber, Exception failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(failure);
        var body = new JsonObject { ["profileId"] = change.ProfileId, ["version"] = change.Profile.Version, ["subscriber"] = subscriber }.ToJsonString();
        var id = "changes-" + Ingest.IProcessedMessageLog.KeyFor(subscriber, $"{change.ProfileId}/{change.Profile.Version}");
        await deadLetters.AddAsync(
            new DeadLetter(id, DeadLetter.ChangesStage, null, $"{subscriber} failed on version {change.Profile.Version}: {failure.GetType().Name}: {failure.Message}", body, time.GetUtcNow()),
            cancellationToken);
    }

    /// <summary>
    /// Replays a change letter: the profile (its survivor, if merged) is marked for a catch-up and the letter removed;
    /// a profile gone since (erased) has nothing to replay, and the letter goes too. Null on success, else the problems.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string[]>?> ReplayAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        string? profileId;
        try
        {
            profileId = JsonNode.Parse(letter.Body)?["profileId"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            profileId = null;
        }

        if (string.IsNullOrEmpty(profileId))
        {
            return new Dictionary<string, string[]> { ["body"] = ["Not a change letter: {\"profileId\": …, \"version\": …, \"subscriber\": …} expected."] };
        }

        for (var attempt = 1; ; attempt++)
        {
            if (await profiles.LiveAsync(profileId, cancellationToken) is not { } stored)
            {
                break;
            }

            stored.Profile.AskCatchUp();
            if (await profiles.TryReplaceAsync(stored.Profile, stored.VersionTag, cancellationToken) is not null)
            {
                break;
            }

            if (attempt == MaxAttempts)
            {
                throw new ContentionException($"Profile '{profileId}' kept changing while its change letter was replayed.");
            }
        }

        await deadLetters.RemoveAsync(letter.Id, cancellationToken);
        return null;
    }
}
