using System.Text.RegularExpressions;

namespace Cdp.Core.Segments;

/// <summary>
/// Segment definitions over the API: saved after validation (the rule compiles; the segments it reads exist;
/// no cycle through <c>inSegment</c>), versioned (a new version when the rule or status changes, which starts
/// a back-fill), listed with their sizes.
/// </summary>
public sealed partial class SegmentService(ISegmentStore store, SegmentCatalog catalog, ISegmentTransitions transitions, TimeProvider time)
{
    public async Task<SegmentSaveResult> PutAsync(string segmentId, SegmentRequest? request, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!SegmentId().IsMatch(segmentId ?? string.Empty))
        {
            errors.Add("id", "A segment id is 1 to 64 letters, digits, '-' or '_'.");
        }

        if (request is null)
        {
            errors.Add("body", "A segment is a JSON object with name, rule and optionally description and status.");
            return SegmentSaveResult.Invalid(errors);
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add("name", "A segment needs a name.");
        }

        // Only the two a client may set: "deleting" is DELETE's (its checks), and numbers are not statuses.
        var status = request.Status?.ToUpperInvariant() switch
        {
            null or "ACTIVE" => SegmentStatus.Active,
            "PAUSED" => SegmentStatus.Paused,
            _ => (SegmentStatus?)null,
        };
        if (status is null)
        {
            errors.Add("status", "The status is 'active' or 'paused'.");
        }

        foreach (var error in (await CheckRuleAsync(segmentId, request.Rule, cancellationToken)).Errors)
        {
            errors.Add("rule", error.ToString());
        }

        if (errors.Count > 0)
        {
            return SegmentSaveResult.Invalid(errors);
        }

        var chosen = status!.Value;
        var existing = await store.GetAsync(segmentId!, cancellationToken);
        var previous = existing?.Definition;
        var changed = previous is null || previous.Rule != request.Rule || previous.Status != chosen;
        var version = previous is null ? 1 : changed ? previous.Version + 1 : previous.Version;
        var definition = new SegmentDefinition(
            segmentId!,
            request.Name!.Trim(),
            request.Description,
            request.Rule!,
            chosen,
            version,
            time.GetUtcNow(),
            changed ? new SegmentBackfill(version, null, 0, Done: chosen != SegmentStatus.Active) : previous!.Backfill,
            Failing: changed ? null : previous!.Failing);
        if (await store.TryPutAsync(definition, existing?.VersionTag, cancellationToken) is null)
        {
            return new SegmentSaveResult(null, false, FieldErrors.None, Conflict: true);
        }

        catalog.Invalidate();
        return new SegmentSaveResult(definition, previous is null, FieldErrors.None);
    }

    public async Task<SegmentView?> GetAsync(string segmentId, CancellationToken cancellationToken) =>
        await store.GetAsync(segmentId, cancellationToken) is { } stored
            ? new SegmentView(stored.Definition, await transitions.CountMembersAsync(segmentId, cancellationToken))
            : null;

    public async Task<IReadOnlyList<SegmentView>> ListAsync(CancellationToken cancellationToken)
    {
        var views = new List<SegmentView>();
        foreach (var definition in await store.ListAsync(cancellationToken))
        {
            views.Add(new SegmentView(definition, await transitions.CountMembersAsync(definition.Id, cancellationToken)));
        }

        return views;
    }

    /// <summary>
    /// Starts deleting a segment: a new version with status <see cref="SegmentStatus.Deleting"/>, whose back-fill
    /// takes every member out (so exits are recorded and sizes stay right) and then removes the definition.
    /// Refused while other segments read it.
    /// </summary>
    public async Task<SegmentDeletion> DeleteAsync(string segmentId, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(segmentId, cancellationToken) is not { } stored)
        {
            return new SegmentDeletion(null, []);
        }

        var readers = (await store.ListAsync(cancellationToken))
            .Where(d => d.Id != segmentId && d.Status != SegmentStatus.Deleting && RuleCompiler.Compile(d.Rule).Rule?.Segments.Contains(segmentId) == true)
            .Select(d => d.Id)
            .ToList();
        if (readers.Count > 0)
        {
            return new SegmentDeletion(stored.Definition, readers);
        }

        var version = stored.Definition.Version + 1;
        var deleting = stored.Definition with
        {
            Status = SegmentStatus.Deleting,
            Version = version,
            UpdatedAt = time.GetUtcNow(),
            Backfill = new SegmentBackfill(version, null, 0, false),
        };
        if (stored.Definition.Status != SegmentStatus.Deleting)
        {
            await store.TryPutAsync(deleting, stored.VersionTag, cancellationToken);
            catalog.Invalidate();
        }

        return new SegmentDeletion(deleting, []);
    }

    /// <summary>Removes a deleted segment's definition once its members are all out (the back-fill of <paramref name="version"/> is done).</summary>
    internal async Task RemoveAsync(string segmentId, long version, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(segmentId, cancellationToken) is { Definition: { Status: SegmentStatus.Deleting } definition } && definition.Version == version)
        {
            await store.DeleteAsync(segmentId, cancellationToken);
            catalog.Invalidate();
        }
    }

    /// <summary>The active or deleting segments whose current version still has profiles to go through.</summary>
    public async Task<IReadOnlyList<SegmentDefinition>> PendingBackfillsAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListAsync(cancellationToken)).Where(d => d.Status is SegmentStatus.Active or SegmentStatus.Deleting && d.Backfill is { Done: false } b && b.Version == d.Version)];

    /// <summary>Saves back-fill progress, unless the definition has moved to another version meanwhile.</summary>
    public async Task SaveBackfillAsync(string segmentId, SegmentBackfill progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (await store.GetAsync(segmentId, cancellationToken) is { } stored && stored.Definition.Version == progress.Version)
        {
            await store.TryPutAsync(stored.Definition with { Backfill = progress }, stored.VersionTag, cancellationToken);
        }
    }

    /// <summary>A path of segment ids from <paramref name="segmentId"/> back to itself through the rules' <c>inSegment</c>, or null.</summary>
    /// <summary>
    /// <paramref name="text"/> compiled as the rule of segment <paramref name="segmentId"/> (null for one not saved yet),
    /// or what is wrong with it: what the compiler finds (with the character it is at), segments it reads that are missing
    /// or being deleted, a cycle of segments reading each other. Compiled once; a rule with problems has none compiled.
    /// </summary>
    public async Task<RuleCompilation> CheckRuleAsync(string? segmentId, string? text, CancellationToken cancellationToken)
    {
        var compilation = RuleCompiler.Compile(text);
        if (compilation.Rule is not { } rule)
        {
            return compilation;
        }

        var problems = new List<RuleError>();
        var all = (await store.ListAsync(cancellationToken)).ToDictionary(d => d.Id, StringComparer.Ordinal);
        foreach (var read in rule.Segments.Where(read => read != segmentId && !all.ContainsKey(read)).Order(StringComparer.Ordinal))
        {
            problems.Add(new RuleError($"inSegment(\"{read}\"): there is no segment '{read}'.", null));
        }

        foreach (var read in rule.Segments.Where(read => all.TryGetValue(read, out var d) && d.Status == SegmentStatus.Deleting && read != segmentId).Order(StringComparer.Ordinal))
        {
            problems.Add(new RuleError($"inSegment(\"{read}\"): segment '{read}' is being deleted.", null));
        }

        if (segmentId is not null && Cycle(segmentId, rule, all) is { } cycle)
        {
            problems.Add(new RuleError($"The segments would read each other in a cycle: {string.Join(" -> ", cycle)}.", null));
        }

        return problems.Count == 0 ? compilation : new RuleCompilation(null, problems);
    }

    private static List<string>? Cycle(string segmentId, CompiledRule rule, Dictionary<string, SegmentDefinition> all)
    {
        var reads = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal) { [segmentId] = rule.Segments };
        IReadOnlySet<string> ReadsOf(string id)
        {
            if (!reads.TryGetValue(id, out var found))
            {
                found = all.TryGetValue(id, out var definition) && RuleCompiler.Compile(definition.Rule).Rule is { } compiled ? compiled.Segments : new HashSet<string>();
                reads[id] = found;
            }

            return found;
        }

        var path = new List<string> { segmentId };
        var visited = new HashSet<string>(StringComparer.Ordinal);
        bool Walk(string id)
        {
            foreach (var next in ReadsOf(id).Order(StringComparer.Ordinal))
            {
                path.Add(next);
                if (next == segmentId || (visited.Add(next) && Walk(next)))
                {
                    return true;
                }

                path.RemoveAt(path.Count - 1);
            }

            return false;
        }

        return Walk(segmentId) ? path : null;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SegmentId();
}

/// <summary>A segment as saved over the API (status: <c>active</c>, the default, or <c>paused</c>).</summary>
public sealed record SegmentRequest(string? Name, string? Rule, string? Description = null, string? Status = null);

/// <summary>A deletion: the segment as it is now (null when there was none), and the segments that read it (then nothing was done).</summary>
public sealed record SegmentDeletion(SegmentDefinition? Segment, IReadOnlyList<string> ReadBy);

/// <summary>A segment and how many profiles are in it.</summary>
public sealed record SegmentView(SegmentDefinition Segment, long Members);

/// <summary>The saved definition (and whether it is new), or the bad fields, or a conflict with a concurrent save.</summary>
public sealed record SegmentSaveResult(SegmentDefinition? Segment, bool Created, IReadOnlyDictionary<string, string[]> Errors, bool Conflict = false)
{
    internal static SegmentSaveResult Invalid(FieldErrors errors) => new(null, false, errors.ToDictionary());
}
