using Cdp.Core.Profiles;
using Cdp.Core.Segments;

namespace Cdp.Testing.Contracts;

/// <summary>What every <see cref="IProfileCatalog"/> must do: every live profile once, page by page, resumable from a position.</summary>
public abstract class ProfileCatalogContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    protected abstract IProfileStore Store { get; }

    protected abstract IProfileCatalog Catalog { get; }

    [Fact]
    public async Task Pages_GiveEveryLiveProfileOnce_WithItsVersionTag_NotTheDeleted()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, 5).Select(i => $"p_{run}_{i}").ToList();
        foreach (var id in ids)
        {
            await Store.TryCreateAsync(new Profile(id, T0), CancellationToken.None);
        }

        await Store.TryDeleteAsync((await Store.GetAsync(ids[2], CancellationToken.None))!, T0, CancellationToken.None);

        var seen = new List<StoredProfile>();
        string? position = null;
        var pages = 0;
        do
        {
            var page = await Catalog.ListAsync(position, 2, CancellationToken.None);
            Assert.InRange(page.Profiles.Count, 0, 2);
            seen.AddRange(page.Profiles);
            position = page.Next;
            pages++;
        }
        while (position is not null && pages < 10_000);

        var mine = seen.Where(s => s.Profile.Id.StartsWith($"p_{run}_", StringComparison.Ordinal)).ToList();
        Assert.Equal(ids.Where((_, i) => i != 2).Order(StringComparer.Ordinal), mine.Select(s => s.Profile.Id).Order(StringComparer.Ordinal));
        foreach (var stored in mine)
        {
            Assert.Equal((await Store.GetAsync(stored.Profile.Id, CancellationToken.None))!.VersionTag, stored.VersionTag);
        }
    }
}
