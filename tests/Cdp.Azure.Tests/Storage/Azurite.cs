using System.Globalization;
using Azure.Storage.Blobs;

namespace Cdp.Azure.Tests.Storage;

/// <summary>
/// Azurite's blob service (installed by scripts/test.sh), in memory on a free loopback port, for
/// over-the-wire tests of the blob adapters. Started once for the test run.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    // Azurite's well-known development account.
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private NodeTool? _azurite;

    public BlobServiceClient Blobs { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _azurite = await NodeTool.StartAsync(
            "azurite-blob",
            port => ["--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture), "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--loose"],
            "successfully listens");
        Blobs = new BlobServiceClient($"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:{_azurite.Port}/{Account};");
    }

    /// <summary>A new, empty container.</summary>
    public async Task<BlobContainerClient> NewContainerAsync()
    {
        var container = Blobs.GetBlobContainerClient("t" + Guid.NewGuid().ToString("N"));
        await container.CreateIfNotExistsAsync();
        return container;
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<Azurite>
{
    public const string Name = "azurite";
}
