using System.Collections.Concurrent;
using Cdp.Core.Segments;

namespace Cdp.Testing.InMemory;

/// <summary>The segment ports in memory, for domain tests (the same contracts as the SQLite adapters).</summary>
public sealed class InMemorySegments : ISegmentStore, ISegmentTransitions, ISegmentSchedule
{
    private readonly InMemoryDefinitions<SegmentDefinition> _definitions = new(d => d.Id);
    private readonly ConcurrentDictionary<string, SegmentTransition> _transitions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Segment, string Profile), (long Version, bool Member)> _members = new();
    private readonly ConcurrentDictionary<ScheduledEvaluation, byte> _schedule = new();
    private readonly Lock _write = new();

    public IReadOnlyCollection<SegmentTransition> Transitions => [.. _transitions.Values.OrderBy(t => t.At).ThenBy(t => t.ProfileVersion)];

    public IReadOnlyCollection<ScheduledEvaluation> Scheduled => [.. _schedule.Keys.OrderBy(s => s.At)];

    public Task<StoredSegment?> GetAsync(string segmentId, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.Get(segmentId) is { } held ? new StoredSegment(held.Definition, held.Tag) : null);

    public Task<IReadOnlyList<SegmentDefinition>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_definitions.List());

    public Task<string?> TryPutAsync(SegmentDefinition definition, string? versionTag, CancellationToken cancellationToken) =>
        Task.FromResult(_definitions.TryPut(definition, versionTag));

    public Task<bool> DeleteAsync(string segmentId, CancellationToken cancellationToken) => Task.FromResult(_definitions.Delete(segmentId));

    public Task RecordAsync(IReadOnlyList<SegmentTransition> transitions, CancellationToken cancellationToken)
    {
        lock (_write)
        {
            foreach (var transition in transitions)
            {
                if (!_transitions.TryAdd(transition.Id, transition))
                {
                    continue;
                }

                var key = (transition.SegmentId, transition.ProfileId);
                if (!_members.TryGetValue(key, out var held) || held.Version < transition.ProfileVersion)
                {
                    _members[key] = (transition.ProfileVersion, transition.Kind == SegmentTransitionKind.Entered);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SegmentTransition>> ListAsync(string segmentId, int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SegmentTransition>>([.. _transitions.Values.Where(t => t.SegmentId == segmentId).OrderByDescending(t => t.At).ThenByDescending(t => t.ProfileVersion).Take(max)]);

    public Task<IReadOnlyList<SegmentTransition>> ListForProfileAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SegmentTransition>>([.. _transitions.Values.Where(t => t.ProfileId == profileId).OrderBy(t => t.At).ThenBy(t => t.ProfileVersion)]);

    public Task<int> DeleteForProfileAsync(string profileId, CancellationToken cancellationToken) =>
        Task.FromResult(
            _transitions.Values.Where(t => t.ProfileId == profileId).Count(t => _transitions.TryRemove(t.Id, out _))
            + _members.Keys.Where(k => k.Profile == profileId).Count(k => _members.TryRemove(k, out _)));

    public Task<long> CountMembersAsync(string segmentId, CancellationToken cancellationToken) =>
        Task.FromResult((long)_members.Count(m => m.Key.Segment == segmentId && m.Value.Member));

    public Task ScheduleAsync(string profileId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        _schedule.TryAdd(new ScheduledEvaluation(profileId, at), 0);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ScheduledEvaluation>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ScheduledEvaluation>>([.. _schedule.Keys.Where(s => s.At <= now).OrderBy(s => s.At).Take(max)]);

    public Task CompleteAsync(ScheduledEvaluation evaluation, CancellationToken cancellationToken)
    {
        _schedule.TryRemove(evaluation, out _);
        return Task.CompletedTask;
    }

}
