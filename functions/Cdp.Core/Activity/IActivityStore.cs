namespace Cdp.Core.Activity;

/// <summary>Each instance's activity by minute, kept for <see cref="Retention"/>.</summary>
public interface IActivityStore
{
    /// <summary>How long a minute is kept.</summary>
    static readonly TimeSpan Retention = TimeSpan.FromDays(2);

    /// <summary>Writes <paramref name="instance"/>'s totals of these minutes, replacing what it wrote before for them (so writing again changes nothing).</summary>
    Task PutAsync(string instance, IReadOnlyList<ActivityMinute> minutes, CancellationToken cancellationToken);

    /// <summary>Every instance's minutes from <paramref name="from"/> on (several rows for a minute when several instances worked in it).</summary>
    Task<IReadOnlyList<ActivityMinute>> ListAsync(DateTimeOffset from, CancellationToken cancellationToken);
}

/// <summary>How far ingest is behind the event stream: when the host can tell (the embedded log can).</summary>
public interface IIngestLag
{
    Task<IngestLag> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>Messages in the stream that ingest has not checkpointed past, and the age of the oldest of them (0 when none).</summary>
public sealed record IngestLag(long Messages, double Seconds);
