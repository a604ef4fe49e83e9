using System.Text.Json.Serialization;
using Cdp.Core.Profiles;

namespace Cdp.Azure.Cosmos;

/// <summary>
/// A profile as stored in (and delivered by the change feed of) the <c>profiles</c> container: the
/// <see cref="ProfileDocument"/> fields plus Cosmos DB's <c>_etag</c>, which is the version tag.
/// </summary>
public sealed record CosmosProfileDocument(
    int SchemaVersion,
    string Id,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> Identifiers,
    IReadOnlyDictionary<string, Trait> Traits)
{
    [JsonPropertyName("_etag")]
    public string? ETag { get; init; }

    public ProfileDocument ToProfileDocument() => new(SchemaVersion, Id, CreatedAt, UpdatedAt, Identifiers, Traits);

    public static CosmosProfileDocument From(ProfileDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new(document.SchemaVersion, document.Id, document.CreatedAt, document.UpdatedAt, document.Identifiers, document.Traits);
    }
}
