using Cdp.Core.Privacy;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.Testing.Contracts;

/// <summary>What every audit log must do: keep each entry as written, and read them newest first by time range and filters.</summary>
public abstract class AuditLogContract
{
    protected abstract IAuditLog Log { get; }

    [Fact]
    public async Task Entries_ReadBack_NewestFirst_ByRangeAndFilters_AcrossDays()
    {
        // A run of its own: a time far from other tests' entries, so shared stores do not mix them in.
        var start = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(Random.Shared.Next(0, 3000));
        var time = new FakeTimeProvider(start.AddHours(22));
        var audit = new AuditService(Log, time);
        var run = Guid.NewGuid().ToString("N")[..8];
        var read = await audit.RecordAsync("ops@example.com", "GET", $"/api/profiles/p_{run}", 200, $"p_{run}", "ticket 1", null, CancellationToken.None);
        time.Advance(TimeSpan.FromHours(3)); // the next day
        var export = await audit.RecordAsync("ops@example.com", "GET", $"/api/profiles/p_{run}/export", 200, $"p_{run}", "subject access", null, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        var lookup = await audit.RecordAsync("admin", "GET", "/api/profiles", 404, null, null, ["identifier"], CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        var erase = await audit.RecordAsync("ops@example.com", "DELETE", $"/api/profiles/p_{run}", 202, $"p_{run}", "erasure request", null, CancellationToken.None);

        var all = await Log.QueryAsync(new AuditQuery(start, start.AddDays(2), null, null, null, 100), CancellationToken.None);
        Assert.Equal([erase.Id, lookup.Id, export.Id, read.Id], all.Select(e => e.Id));
        Assert.Equal(read, all[^1] with { Query = all[^1].Query });
        Assert.Equal(["identifier"], all[1].Query);
        Assert.Equal([AuditAction.Erase, AuditAction.Read, AuditAction.Export, AuditAction.Read], all.Select(e => e.Action));

        var person = await Log.QueryAsync(new AuditQuery(start, start.AddDays(2), $"p_{run}", null, null, 100), CancellationToken.None);
        Assert.Equal([erase.Id, export.Id, read.Id], person.Select(e => e.Id));
        Assert.Equal([export.Id], (await Log.QueryAsync(new AuditQuery(start, start.AddDays(2), null, "ops@example.com", AuditAction.Export, 100), CancellationToken.None)).Select(e => e.Id));
        Assert.Equal([erase.Id, lookup.Id], (await Log.QueryAsync(new AuditQuery(start, start.AddDays(2), null, null, null, 2), CancellationToken.None)).Select(e => e.Id));
        Assert.Equal([read.Id], (await Log.QueryAsync(new AuditQuery(start, export.At, null, null, null, 100), CancellationToken.None)).Select(e => e.Id));
    }
}
