using Microsoft.Extensions.Logging;

namespace Cdp.Core.Segments;

/// <summary>
/// The active segments compiled, with the dependency index the change feed uses: which segments read a change
/// path, which segments read another segment, and an order in which a segment comes after those it reads.
/// </summary>
public sealed class CompiledSegments
{
    /// <summary>A change path after which every segment is evaluated (a merge changes anything).</summary>
    public const string MergedPath = "merged";

    private readonly Dictionary<string, List<CompiledSegment>> _byPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CompiledSegment>> _readers = new(StringComparer.Ordinal);

    public CompiledSegments(IEnumerable<CompiledSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var byId = segments.ToDictionary(s => s.Definition.Id, StringComparer.Ordinal);
        var ordered = new List<CompiledSegment>(byId.Count);
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: visiting, true: done
        foreach (var id in byId.Keys.Order(StringComparer.Ordinal))
        {
            Visit(id);
        }

        Ordered = ordered;
        for (var i = 0; i < ordered.Count; i++)
        {
            ordered[i] = ordered[i] with { Order = i };
            foreach (var path in ordered[i].Rule.Reads)
            {
                Add(_byPath, path, ordered[i]);
            }

            foreach (var read in ordered[i].Rule.Segments)
            {
                Add(_readers, read, ordered[i]);
            }
        }

        TimeBased = [.. ordered.Where(s => s.Rule.ReadsTime)];

        // Depth first, dependencies before dependents; a segment in a cycle (saving refuses them) is left out.
        bool Visit(string id)
        {
            if (state.TryGetValue(id, out var done))
            {
                return done;
            }

            if (!byId.TryGetValue(id, out var segment))
            {
                return true; // a paused or missing segment: read as the membership stored
            }

            state[id] = false;
            if (!segment.Rule.Segments.All(Visit))
            {
                return false;
            }

            state[id] = true;
            ordered.Add(segment);
            return true;
        }
    }

    public static CompiledSegments Empty { get; } = new([]);

    /// <summary>Every segment, each after the segments it reads.</summary>
    public IReadOnlyList<CompiledSegment> Ordered { get; }

    /// <summary>The segments whose rules read time.</summary>
    public IReadOnlyList<CompiledSegment> TimeBased { get; }

    /// <summary>
    /// The segments a change with <paramref name="changedPaths"/> may flip: those reading a changed path, and
    /// those reading them, in order. All of them when the paths are unknown (an older document) or after a merge.
    /// </summary>
    public IReadOnlyList<CompiledSegment> Affected(IReadOnlyList<string>? changedPaths)
    {
        if (changedPaths is null || changedPaths.Contains(MergedPath))
        {
            return Ordered;
        }

        List<CompiledSegment>? direct = null;
        foreach (var path in changedPaths)
        {
            if (_byPath.TryGetValue(path, out var readers))
            {
                (direct ??= []).AddRange(readers);
            }
        }

        return direct is null ? [] : WithReaders(direct);
    }

    /// <summary><paramref name="segments"/> and every segment that reads them, directly or not, in order.</summary>
    public IReadOnlyList<CompiledSegment> WithReaders(IEnumerable<CompiledSegment> segments)
    {
        var found = new SortedDictionary<int, CompiledSegment>();
        var pending = new Stack<CompiledSegment>(segments);
        while (pending.TryPop(out var segment))
        {
            if (found.TryAdd(segment.Order, segment) && _readers.TryGetValue(segment.Definition.Id, out var readers))
            {
                readers.ForEach(pending.Push);
            }
        }

        return [.. found.Values];
    }

    public CompiledSegment? Find(string segmentId) => Ordered.FirstOrDefault(s => s.Definition.Id == segmentId);

    private static void Add(Dictionary<string, List<CompiledSegment>> index, string key, CompiledSegment segment)
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        list.Add(segment);
    }
}

/// <summary>An active segment and its compiled rule; <see cref="Order"/> is its place in <see cref="CompiledSegments.Ordered"/>.</summary>
public sealed record CompiledSegment(SegmentDefinition Definition, CompiledRule Rule, int Order = 0);

/// <summary>
/// The compiled active segments of the store, compiled once per definition version and refreshed when a
/// definition is saved here (<see cref="Invalidate"/>) or at most <see cref="MaxAge"/> after the last load
/// (definitions saved by another instance).
/// </summary>
public sealed class SegmentCatalog : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly Dictionary<(string, long), CompiledRule> _compiled = [];
    private readonly Refreshing<CompiledSegments> _current;
    private readonly ISegmentStore _store;
    private readonly ILogger<SegmentCatalog> _logger;

    public SegmentCatalog(ISegmentStore store, TimeProvider time, ILogger<SegmentCatalog> logger)
    {
        _store = store;
        _logger = logger;
        _current = new Refreshing<CompiledSegments>(LoadAsync, MaxAge, time);
    }

    public ValueTask<CompiledSegments> CurrentAsync(CancellationToken cancellationToken) => _current.CurrentAsync(cancellationToken);

    private async Task<CompiledSegments> LoadAsync(CancellationToken cancellationToken)
    {
        var segments = new List<CompiledSegment>();
        foreach (var definition in await _store.ListAsync(cancellationToken))
        {
            if (definition.Status == SegmentStatus.Deleting)
            {
                // Nobody is in a segment being deleted: its back-fill takes every member out.
                segments.Add(new CompiledSegment(definition, new CompiledRule(string.Empty, static _ => false, new HashSet<string>(), new HashSet<string>(), false)));
                continue;
            }

            if (definition.Status != SegmentStatus.Active)
            {
                continue;
            }

            if (!_compiled.TryGetValue((definition.Id, definition.Version), out var rule))
            {
                var compilation = RuleCompiler.Compile(definition.Rule);
                if (compilation.Rule is null)
                {
                    Logs.SegmentRuleInvalid(_logger, definition.Id, definition.Version, compilation.Errors[0].Message);
                    continue;
                }

                _compiled[(definition.Id, definition.Version)] = rule = compilation.Rule;
            }

            segments.Add(new CompiledSegment(definition, rule));
        }

        return new CompiledSegments(segments);
    }

    /// <summary>Makes the next read load the definitions again.</summary>
    public void Invalidate() => _current.Invalidate();

    public void Dispose() => _current.Dispose();
}
