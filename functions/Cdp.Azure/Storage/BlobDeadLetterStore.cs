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
    private const string StageKey = "stage";
    private const string SourceKey = "source";

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
                    // Listed with the blob, so a filtered list reads only the letters it returns.
                    Metadata = new Dictionary<string, string> { [StageKey] = letter.Stage, [SourceKey] = letter.SourceId ?? "" },
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

    public async Task<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        // Blobs are listed in name (id) order; the cursor is the last name looked at. A letter written before metadata
        // was kept is read to be filtered.
        var letters = new List<DeadLetter>();
        string? last = null;
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix: null, cancellationToken))
        {
            if (query.After is { } after && string.CompareOrdinal(blob.Name, after) <= 0)
            {
                continue;
            }

            if (letters.Count == query.Max)
            {
                return new DeadLetterPage(letters, last);
            }

            last = blob.Name;
            var metadata = blob.Metadata;
            if (metadata is not null && metadata.TryGetValue(StageKey, out var stage) && metadata.TryGetValue(SourceKey, out var source)
                && !query.Matches(new DeadLetter(blob.Name, stage, source.Length == 0 ? null : source, "", "", default)))
            {
                continue;
            }

            if (await GetAsync(blob.Name, cancellationToken) is { } letter && query.Matches(letter))
            {
                letters.Add(letter);
            }
        }

        return new DeadLetterPage(letters, null);
    }

    /// <summary>The letters waiting by stage, from the blobs' metadata (a letter written before metadata was kept is read).</summary>
    public async Task<DeadLetterCounts> CountAsync(int max, CancellationToken cancellationToken)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var counted = 0;
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix: null, cancellationToken))
        {
            if (counted == max)
            {
                return new DeadLetterCounts(counts, Capped: true);
            }

            var stage = blob.Metadata is not null && blob.Metadata.TryGetValue(StageKey, out var held) ? held
                : (await GetAsync(blob.Name, cancellationToken))?.Stage;
            if (stage is not null)
            {
                counts[stage] = counts.GetValueOrDefault(stage) + 1;
                counted++;
            }
        }

        return new DeadLetterCounts(counts, Capped: false);
    }

    public async Task RemoveAsync(string id, CancellationToken cancellationToken) =>
        await container.GetBlobClient(id).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    /// <summary>Creates the container when missing (emulators and tests; Bicep creates it in Azure).</summary>
    public async Task EnsureContainerAsync(CancellationToken cancellationToken) =>
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
}
