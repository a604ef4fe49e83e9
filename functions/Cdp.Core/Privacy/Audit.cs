using System.Globalization;
using System.Text.Json.Serialization;

namespace Cdp.Core.Privacy;

/// <summary>
/// One call of the admin API, as the audit log keeps it: who (<see cref="Actor"/>), what (<see cref="Action"/>,
/// <see cref="Method"/>, <see cref="Path"/>, the query's parameter names but not their values, the profile concerned),
/// when, why (<see cref="Reason"/>, from the request's reason header) and how it ended (<see cref="Status"/>).
/// Never a personal value: paths hold profile ids, and values given in a query (an email looked up) are left out.
/// </summary>
public sealed record AuditEntry(
    string Id,
    DateTimeOffset At,
    string Actor,
    AuditAction Action,
    string Method,
    string Path,
    int Status,
    string? ProfileId = null,
    string? Reason = null,
    IReadOnlyList<string>? Query = null,
    int SchemaVersion = 1)
{
    /// <summary>The partition of an entry in stores that split the log by day: <c>yyyy-MM-dd</c> (UTC).</summary>
    public string Day => DayOf(At);

    public static string DayOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>What an admin call did with the data: read it, exported it (a subject access request), changed it, or erased a person.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AuditAction>))]
public enum AuditAction
{
    Read,
    Export,
    Change,
    Erase,
}

/// <summary>What <c>GET /api/audit</c> asks for: a time range (at most <see cref="AuditService.MaxRange"/>), optional filters, a limit.</summary>
public sealed record AuditQuery(DateTimeOffset From, DateTimeOffset To, string? ProfileId, string? Actor, AuditAction? Action, int Limit);

/// <summary>
/// The audit log: append-only (no entry is changed or removed through it), read newest first by time range and filters.
/// </summary>
public interface IAuditLog
{
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>The entries in [<see cref="AuditQuery.From"/>, <see cref="AuditQuery.To"/>) matching the filters, newest first, at most <see cref="AuditQuery.Limit"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken);
}

/// <summary>Records admin calls and answers <c>GET /api/audit</c> (filters validated, each bad one named).</summary>
public sealed class AuditService(IAuditLog log, TimeProvider time)
{
    /// <summary>The longest time range one query reads.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>Records one admin call; the action follows from the method and path.</summary>
    public async Task<AuditEntry> RecordAsync(string actor, string method, string path, int status, string? profileId, string? reason, IReadOnlyList<string>? query, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentNullException.ThrowIfNull(path);
        var at = time.GetUtcNow();
        var why = reason?.Trim();
        var entry = new AuditEntry(
            at.UtcDateTime.ToString("yyyyMMddHHmmssfffffff", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8],
            at,
            string.IsNullOrWhiteSpace(actor) ? "unknown" : actor,
            ActionOf(method, path),
            method.ToUpperInvariant(),
            path,
            status,
            profileId,
            string.IsNullOrEmpty(why) ? null : why[..Math.Min(why.Length, 500)],
            query is { Count: > 0 } ? query : null);
        await log.AppendAsync(entry, cancellationToken);
        return entry;
    }

    /// <summary>
    /// The entries asked for by <c>from</c>, <c>to</c> (ISO 8601; default the last 24 hours, at most <see cref="MaxRange"/>),
    /// <c>profileId</c>, <c>actor</c>, <c>action</c>, <c>limit</c>; or the errors per parameter.
    /// </summary>
    public async Task<(IReadOnlyList<AuditEntry>? Entries, IReadOnlyDictionary<string, string[]> Errors)> QueryAsync(
        string? from, string? to, string? profileId, string? actor, string? action, string? limit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var end = Instant(to, "to", now, errors);
        var start = Instant(from, "from", end.UtcTicks > TimeSpan.TicksPerDay ? end - TimeSpan.FromDays(1) : DateTimeOffset.MinValue, errors);
        if (errors.Count == 0 && (start >= end || end - start > MaxRange))
        {
            errors["to"] = [$"'to' must be after 'from', at most {MaxRange.TotalDays} days after it."];
        }

        AuditAction? kind = null;
        if (!string.IsNullOrEmpty(action))
        {
            if (Enum.TryParse<AuditAction>(action, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(action, out _))
            {
                kind = parsed;
            }
            else
            {
                errors["action"] = ["'action' is one of: read, export, change, erase."];
            }
        }

        var max = DefaultLimit;
        if (!string.IsNullOrEmpty(limit) && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max < 1 || max > MaxLimit))
        {
            errors["limit"] = [$"'limit' is a whole number from 1 to {MaxLimit}."];
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var query = new AuditQuery(start, end, NullIfEmpty(profileId), NullIfEmpty(actor), kind, max);
        return (await log.QueryAsync(query, cancellationToken), errors);
    }

    /// <summary>
    /// <c>DELETE /api/profiles/{id}</c> and <c>POST /api/privacy/erasures</c> erase, <c>…/export</c> exports, any other
    /// <c>GET</c> reads, anything else changes.
    /// </summary>
    public static AuditAction ActionOf(string method, string path)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        var trimmed = path.TrimEnd('/');
        if ((HttpMethodIs(method, "DELETE") && trimmed.Contains("/profiles/", StringComparison.Ordinal) && trimmed.Count(c => c == '/') == 3)
            || (HttpMethodIs(method, "POST") && trimmed.EndsWith("/privacy/erasures", StringComparison.Ordinal)))
        {
            return AuditAction.Erase;
        }

        return !HttpMethodIs(method, "GET") ? AuditAction.Change
            : trimmed.EndsWith("/export", StringComparison.Ordinal) ? AuditAction.Export
            : AuditAction.Read;
    }

    private static bool HttpMethodIs(string method, string expected) => string.Equals(method, expected, StringComparison.OrdinalIgnoreCase);

    private static DateTimeOffset Instant(string? text, string name, DateTimeOffset fallback, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors[name] = [$"'{name}' is an ISO 8601 instant, e.g. 2026-11-28T09:00:00Z."];
        return fallback;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
