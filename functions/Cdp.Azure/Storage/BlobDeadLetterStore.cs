using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Cdp.Core.DeadLetters;
using Cdp.Core.Events;

namespace Cdp.Azure.Storage;

/// <summary>
/// Dead letters as JSON blobs in one container, a blob per letter named by its id. Writing a letter again
/// keeps the first (a conditional upload); listing reads the container (an admin operation).
/// </summary>
public sealed class BlobDeadLetterStore(BlobContainerClient container) : IDeadLetterStore
{
    private const string JsonContentType = "application/json";

    public async Task AddAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        try
        {
            await container.GetBlobClient(letter.Id).UploadAsync(
                BinaryData.FromObjectAsJson(letter, CdpJson.Options),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = JsonContentType },
                },
                cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409 || ex.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            // Already kept: writes are idempotent by id.
        }
    }

    public async Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var content = await container.GetBlobClient(id).DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToObjectFromJson<DeadLetter>(CdpJson.Options);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int maxCount, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        await foreach (var blob in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (await GetAsync(blob.Name, cancellationToken) is { } letter)
            {
                letters.Add(letter);
            }
        }

        return [.. letters.OrderBy(l => l.At).ThenBy(l => l.Id, StringComparer.Ordinal).Take(maxCount)];
    }

    public async Task RemoveAsync(string id, CancellationToken cancellationToken) =>
        await container.GetBlobClient(id).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    /// <summary>Creates the container when missing (emulators and tests; Bicep creates it in Azure).</summary>
    public async Task EnsureContainerAsync(CancellationToken cancellationToken) =>
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
}
