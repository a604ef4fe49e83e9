using Cdp.Core.Importing;

namespace Cdp.Testing.Contracts;

/// <summary>What every adapter of the import store must do: a progress record created once, replaced against its tag, read back whole.</summary>
public abstract class ImportStoreContract
{
    protected abstract IImportStore Store { get; }

    [Fact]
    public async Task AnImport_IsCreatedOnce_ReplacedAgainstItsTag_AndReadBackWhole()
    {
        var id = "imp_" + Guid.NewGuid().ToString("N")[..12];
        var at = new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
        var first = new ImportStatus(id, "crm", "csv", ImportState.Running, 1000, 1000, 998, 2, 0, [new ImportRejection(17, "event: required")], at, at);
        var tag = await Store.PutAsync(first, null, CancellationToken.None);
        Assert.NotNull(tag);
        Assert.Null(await Store.PutAsync(first, null, CancellationToken.None));

        var done = first with { State = ImportState.Done, LinesDone = 1500, Resumes = 1, UpdatedAt = at.AddMinutes(1) };
        Assert.NotNull(await Store.PutAsync(done, tag, CancellationToken.None));
        Assert.Null(await Store.PutAsync(first, tag, CancellationToken.None));

        var held = (await Store.GetAsync(id, CancellationToken.None))!.Status;
        Assert.Equal(done with { Rejections = [] }, held with { Rejections = [] });
        Assert.Equal(done.Rejections, held.Rejections);
        Assert.Null(await Store.GetAsync("imp_none", CancellationToken.None));
    }
}
