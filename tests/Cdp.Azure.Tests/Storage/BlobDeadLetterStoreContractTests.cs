using Cdp.Azure.Storage;
using Cdp.Core.DeadLetters;
using Cdp.Testing.Contracts;

namespace Cdp.Azure.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class BlobDeadLetterStoreContractTests(Azurite azurite) : DeadLetterStoreContract
{
    protected override async Task<IDeadLetterStore> CreateAsync() => new BlobDeadLetterStore(await azurite.NewContainerAsync());

    [Fact]
    public async Task AddAsync_StoresOneJsonBlobPerLetter()
    {
        var container = await azurite.NewContainerAsync();
        var store = new BlobDeadLetterStore(container);

        await store.AddAsync(new DeadLetter("dl-1", DeadLetter.CollectStage, "web", "bad", "{}", DateTimeOffset.UnixEpoch), CancellationToken.None);

        var properties = await container.GetBlobClient("dl-1").GetPropertiesAsync();
        Assert.Equal("application/json", properties.Value.ContentType);
    }
}
