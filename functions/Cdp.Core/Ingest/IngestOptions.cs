namespace Cdp.Core.Ingest;

/// <summary>Ingest settings (section <c>Cdp:Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const string Section = "Cdp:Ingest";

    /// <summary>
    /// How many groups of a batch's messages that share no identifier are applied at once, each in a session of its own
    /// (64 by default: each waits on its own round trips to the stores). 1 applies the batch as one session: the embedded
    /// host's default, whose store answers synchronously and would only spend more write transactions on groups.
    /// </summary>
    public int ConcurrentGroups { get; set; } = 64;
}
