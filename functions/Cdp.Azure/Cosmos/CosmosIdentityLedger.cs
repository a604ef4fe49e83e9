using Cdp.Core.Identity;
using Microsoft.Azure.Cosmos;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// The ledger in the Cosmos DB <c>ledger</c> container (partition key <c>/profileId</c>): one item per entry,
/// created (409 = recorded before). Listing a profile's entries is a single-partition query (admin reads only).
/// </summary>
public sealed class CosmosIdentityLedger(Container ledger) : IIdentityLedger
{
    public Task AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return Task.WhenAll(entries.Select(entry => CosmosItems.CreateOnceAsync(ledger, CosmosItems.ToItem(entry), entry.ProfileId, cancellationToken)));
    }

    public async Task<IReadOnlyList<LedgerEntry>> ListAsync(string profileId, CancellationToken cancellationToken)
    {
        var entries = await CosmosItems.QueryAsync<LedgerEntry>(ledger, new QueryDefinition("SELECT * FROM c WHERE c.profileId = @p").WithParameter("@p", profileId), profileId, cancellationToken);
        return [.. entries.OrderBy(e => e.At).ThenBy(e => e.Id, StringComparer.Ordinal)];
    }

    public Task<int> DeleteAsync(string profileId, CancellationToken cancellationToken) =>
        CosmosItems.DeleteWhereAsync(ledger, profileId, "c.profileId = @p", cancellationToken, ("@p", profileId));
}
