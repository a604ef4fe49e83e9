using System.Text.Json;
using Cdp.Core.Events;

namespace Cdp.Azure.Cosmos;

/// <summary>Reads Cosmos DB stream responses with the project's one JSON configuration.</summary>
internal static class CosmosJson
{
    public static async Task<T> ReadAsync<T>(Stream content, CancellationToken cancellationToken) =>
        await JsonSerializer.DeserializeAsync<T>(content, CdpJson.Options, cancellationToken)
        ?? throw new InvalidDataException($"Cosmos DB returned an empty {typeof(T).Name}.");
}
