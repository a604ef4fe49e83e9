using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cdp.Core.Collect;
using Cdp.Core.Sources;

namespace Cdp.Core.Importing;

/// <summary>
/// Bulk import (<c>POST /api/imports</c>): rows of NDJSON or CSV streamed into the same pipeline as collection, for a
/// source, so identity, consent and dead letters behave the same. A row without a <c>messageId</c> gets
/// <c>import-{id}-{line}</c>, so a row sent again is the same message. Progress is saved after every chunk of
/// <see cref="ChunkRows"/> rows; the same import sent again skips the rows done (resumes), and one that finished
/// changes nothing.
/// </summary>
public sealed partial class ImportService(CollectService collect, SourceRegistry sources, IImportStore store, TimeProvider time)
{
    /// <summary>Rows handed to the stream at once, and how often progress is saved.</summary>
    public const int ChunkRows = 1000;

    /// <summary>How many refused rows an import names (the rest are counted, and kept as dead letters all the same).</summary>
    public const int MaxRejectionsListed = 100;

    /// <summary>Runs (or resumes) the import <paramref name="importId"/> of <paramref name="body"/> for the source <paramref name="sourceId"/>.</summary>
    public async Task<ImportOutcome> RunAsync(string importId, string? sourceId, ImportFormat format, Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new FieldErrors();
        if (!ImportId().IsMatch(importId ?? string.Empty))
        {
            errors.Add("id", "An import id is 1 to 64 letters, digits, '-' or '_'.");
        }

        var source = sourceId is null ? null : await sources.FindAsync(sourceId, cancellationToken);
        if (source is null)
        {
            errors.Add("source", sourceId is null ? "Name the source the rows come from (?source=ID)." : $"No source '{sourceId}'.");
        }

        if (errors.Count > 0)
        {
            return new ImportOutcome(null, errors.ToDictionary());
        }

        var held = await store.GetAsync(importId!, cancellationToken);
        var status = held?.Status;
        if (status is not null && status.SourceId != source!.Id)
        {
            return new ImportOutcome(null, new Dictionary<string, string[]> { ["source"] = [$"Import '{importId}' is of source '{status.SourceId}'."] });
        }

        if (status is { State: ImportState.Done })
        {
            return new ImportOutcome(status, FieldErrors.None);
        }

        var now = time.GetUtcNow();
        status = status is null
            ? new ImportStatus(importId!, source!.Id, format == ImportFormat.Csv ? "csv" : "ndjson", ImportState.Running, 0, 0, 0, 0, 0, [], now, now)
            : status with { State = ImportState.Running, Resumes = status.Resumes + 1, UpdatedAt = now };
        var tag = await store.PutAsync(status, held?.VersionTag, cancellationToken);
        if (tag is null)
        {
            return new ImportOutcome(status, FieldErrors.None, Busy: true);
        }

        var chunk = new List<ImportRow>(ChunkRows);
        await foreach (var row in ImportRowReader.ReadAsync(body, format, cancellationToken))
        {
            if (row.Line <= status.LinesDone)
            {
                continue; // done before the import was interrupted
            }

            if (row.Problem is null)
            {
                row.Json["messageId"] ??= string.Create(CultureInfo.InvariantCulture, $"import-{importId}-{row.Line}");
            }

            chunk.Add(row);
            if (chunk.Count == ChunkRows)
            {
                (status, tag) = await ChunkAsync(status, tag, source!, chunk, cancellationToken);
                chunk.Clear();
            }
        }

        (status, tag) = await ChunkAsync(status, tag, source!, chunk, cancellationToken);
        status = status with { State = ImportState.Done, UpdatedAt = time.GetUtcNow() };
        await store.PutAsync(status, tag, cancellationToken);
        return new ImportOutcome(status, FieldErrors.None);
    }

    public async Task<ImportStatus?> GetAsync(string importId, CancellationToken cancellationToken) =>
        (await store.GetAsync(importId, cancellationToken))?.Status;

    /// <summary>Collects a chunk and saves the progress past it.</summary>
    private async Task<(ImportStatus Status, string? Tag)> ChunkAsync(ImportStatus status, string? tag, SourceDefinition source, List<ImportRow> chunk, CancellationToken cancellationToken)
    {
        if (chunk.Count == 0)
        {
            return (status, tag);
        }

        var result = await collect.ImportRowsAsync(source, chunk, cancellationToken);
        var refused = result.Errors
            .GroupBy(e => LineOf(e.Key))
            .Select(g => new ImportRejection(g.Key, string.Join(" ", g.SelectMany(e => e.Value.Select(p => $"{FieldOf(e.Key)}: {p}")))))
            .OrderBy(r => r.Line)
            .ToList();
        var next = status with
        {
            LinesDone = chunk[^1].Line,
            RowsRead = status.RowsRead + chunk.Count,
            Accepted = status.Accepted + result.Accepted.Count,
            Rejected = status.Rejected + refused.Count,
            Skipped = status.Skipped + result.BotsDropped + result.Withheld + result.Filtered,
            Rejections = [.. status.Rejections.Concat(refused).Take(MaxRejectionsListed)],
            UpdatedAt = time.GetUtcNow(),
        };

        // Progress is written against the tag this run holds: a second run of the same import at the same time loses here.
        var written = await store.PutAsync(next, tag, cancellationToken) ?? throw new ContentionException($"Import '{status.Id}' is being run by another request.");
        return (next, written);
    }

    /// <summary>The line a problem's field names (<c>line[12].event</c> → 12).</summary>
    private static long LineOf(string field)
    {
        var end = field.IndexOf(']', StringComparison.Ordinal);
        return field.StartsWith("line[", StringComparison.Ordinal) && end > 5 && long.TryParse(field.AsSpan(5, end - 5), NumberStyles.None, CultureInfo.InvariantCulture, out var line) ? line : 0;
    }

    private static string FieldOf(string field)
    {
        var dot = field.IndexOf("].", StringComparison.Ordinal);
        return dot < 0 ? "row" : field[(dot + 2)..];
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ImportId();
}

public enum ImportState
{
    Running,
    Done,
}

/// <summary>
/// An import's progress: rows read, accepted (handed to the stream), rejected (each a dead letter too; the first
/// <see cref="ImportService.MaxRejectionsListed"/> named with their line and reason), skipped (known crawlers, or without
/// the consent the source needs), the last line done (a resume starts after it), and how often it was resumed.
/// </summary>
public sealed record ImportStatus(
    string Id,
    string SourceId,
    string Format,
    ImportState State,
    long LinesDone,
    long RowsRead,
    long Accepted,
    long Rejected,
    long Skipped,
    IReadOnlyList<ImportRejection> Rejections,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt,
    int Resumes = 0);

/// <summary>A refused row: its line and what was wrong, field by field.</summary>
public sealed record ImportRejection(long Line, string Reason);

/// <summary>The import as it stands, or the bad parameters, or that another request is running it (<see cref="Busy"/>).</summary>
public sealed record ImportOutcome(ImportStatus? Status, IReadOnlyDictionary<string, string[]> Errors, bool Busy = false);

/// <summary>Imports' progress records, replaced against their tag.</summary>
public interface IImportStore
{
    Task<StoredImport?> GetAsync(string importId, CancellationToken cancellationToken);

    /// <summary>Creates (<paramref name="versionTag"/> null) or replaces against the tag; the new tag, or null when changed meanwhile.</summary>
    Task<string?> PutAsync(ImportStatus status, string? versionTag, CancellationToken cancellationToken);
}

public sealed record StoredImport(ImportStatus Status, string VersionTag);
