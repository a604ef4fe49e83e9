namespace Cdp.Core.Identity;

/// <summary>
/// The ledger: an append-only record, per profile, of every identifier linked to it, every merge and every
/// move of a device identifier, with its evidence. It answers "why are these records one person".
/// </summary>
/// <remarks>Entries have deterministic ids, so appending an entry again (a replay) changes nothing.</remarks>
public interface IIdentityLedger
{
    Task AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken);

    /// <summary>The profile's entries, oldest first (by event time, then id).</summary>
    Task<IReadOnlyList<LedgerEntry>> ListAsync(string profileId, CancellationToken cancellationToken);

    /// <summary>Deletes every entry of the profile (an erasure); how many. Deleting again removes nothing.</summary>
    Task<int> DeleteAsync(string profileId, CancellationToken cancellationToken);
}

/// <summary>
/// One ledger entry. <see cref="Kind"/> is <c>link</c> (identifiers linked to <see cref="ProfileId"/>), <c>merge</c>
/// (<see cref="OtherProfileId"/> merged into it), <c>move</c> (a device identifier moved to it from
/// <see cref="OtherProfileId"/>). The evidence: the message, the rule applied and the identifier types
/// (never values); <see cref="IdentifierKeys"/> are the index's keyed hashes.
/// </summary>
public sealed record LedgerEntry(
    string Id,
    string ProfileId,
    string Kind,
    DateTimeOffset At,
    string MessageId,
    string Rule,
    IReadOnlyList<string> IdentifierTypes,
    IReadOnlyList<string> IdentifierKeys,
    string? OtherProfileId = null)
{
    public const string Link = "link";
    public const string Merge = "merge";
    public const string Move = "move";
}
