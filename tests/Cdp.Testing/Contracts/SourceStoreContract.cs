using Cdp.Core.Sources;

namespace Cdp.Testing.Contracts;

/// <summary>What every adapter of the source store must do: a source created once, replaced against its tag, listed, deleted, its settings kept as saved.</summary>
public abstract class SourceStoreContract
{
    protected abstract ISourceStore Store { get; }

    private static SourceDefinition Source(string id, string name = "Shop") => new()
    {
        Id = id,
        Name = name,
        WriteKeySha256 = SourceRegistry.HashWriteKey("key-" + id),
        Binding = BindingMode.Early,
        Confidence = 0.4,
        RequestsPerSecond = 7,
        Burst = 9,
        RequiredPurpose = "analytics",
        MaxEventAgeDays = 30,
        MaxEventAheadMinutes = 5,
        DropBots = false,
    };

    [Fact]
    public async Task ASource_IsCreatedOnce_ReplacedAgainstItsTag_ListedAndDeleted_WithEverySettingKept()
    {
        var id = "src_" + Guid.NewGuid().ToString("N")[..12];
        Assert.NotNull(await Store.TryPutAsync(Source(id), null, CancellationToken.None));
        Assert.Null(await Store.TryPutAsync(Source(id), null, CancellationToken.None));

        var stored = (await Store.GetAsync(id, CancellationToken.None))!;
        var expected = Source(id);
        var held = stored.Source;
        Assert.Equal(
            (expected.Name, expected.WriteKeySha256, expected.Binding, expected.Confidence, expected.RequestsPerSecond, expected.Burst, expected.RequiredPurpose, expected.MaxEventAgeDays, expected.MaxEventAheadMinutes, expected.DropBots),
            (held.Name, held.WriteKeySha256, held.Binding, held.Confidence, held.RequestsPerSecond, held.Burst, held.RequiredPurpose, held.MaxEventAgeDays, held.MaxEventAheadMinutes, held.DropBots));

        Assert.NotNull(await Store.TryPutAsync(Source(id, "Shop 2"), stored.VersionTag, CancellationToken.None));
        Assert.Null(await Store.TryPutAsync(Source(id, "Shop 3"), stored.VersionTag, CancellationToken.None));
        Assert.Equal("Shop 2", (await Store.GetAsync(id, CancellationToken.None))!.Source.Name);
        Assert.Contains(await Store.ListAsync(CancellationToken.None), s => s.Id == id && s.Name == "Shop 2");

        Assert.True(await Store.DeleteAsync(id, CancellationToken.None));
        Assert.False(await Store.DeleteAsync(id, CancellationToken.None));
        Assert.Null(await Store.GetAsync(id, CancellationToken.None));
        Assert.DoesNotContain(await Store.ListAsync(CancellationToken.None), s => s.Id == id);
    }
}
