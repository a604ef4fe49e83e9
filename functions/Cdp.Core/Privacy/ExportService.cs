using Cdp.Core.Identity;
using Cdp.Core.Journeys;
using Cdp.Core.Profiles;
using Cdp.Core.Segments;

namespace Cdp.Core.Privacy;

/// <summary>
/// Everything held on a person, for <c>GET /api/profiles/{id}/export</c> (a subject access request): the profile
/// (identifiers, traits with their provenance and kept history, counters, consents, segment memberships), its ledger,
/// its events, its segment history and its journeys — each including every profile merged into it.
/// </summary>
public sealed class ExportService(ProfileReader reader, ISegmentTransitions transitions, JourneyService journeys, TimeProvider time)
{
    /// <summary>The most events an export holds (the event store's retention bounds them anyway).</summary>
    public const int MaxEvents = 100_000;

    public async Task<ProfileExport?> ExportAsync(string profileId, CancellationToken cancellationToken)
    {
        if (await reader.GetAsync(profileId, cancellationToken) is not { } profile)
        {
            return null;
        }

        var history = new List<SegmentTransition>();
        var instances = new List<JourneyInstance>();
        foreach (var id in profile.Ids)
        {
            // Every segment's, deleted segments' too: the person's history does not end with a definition.
            history.AddRange(await transitions.ListForProfileAsync(id, cancellationToken));

            instances.AddRange(await journeys.ForProfileAsync(id, cancellationToken));
        }

        return new ProfileExport(
            time.GetUtcNow(),
            profile,
            await reader.LedgerAsync(profile.Id, cancellationToken) ?? [],
            await reader.EventsAsync(profile.Id, MaxEvents, cancellationToken) ?? [],
            [.. history.OrderBy(t => t.At).ThenBy(t => t.Id, StringComparer.Ordinal)],
            instances);
    }
}

/// <summary>What an export holds; <see cref="Profile"/> names the merged-away ids (<c>merged</c>) whose data is included.</summary>
public sealed record ProfileExport(
    DateTimeOffset ExportedAt,
    ProfileView Profile,
    IReadOnlyList<LedgerEntry> Ledger,
    IReadOnlyList<ProfileEvent> Events,
    IReadOnlyList<SegmentTransition> SegmentHistory,
    IReadOnlyList<JourneyInstance> Journeys);
