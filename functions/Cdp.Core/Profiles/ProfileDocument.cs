namespace Cdp.Core.Profiles;

/// <summary>
/// The stored and served shape of a profile (JSON, camelCase). Versioned by <see cref="SchemaVersion"/> so
/// that adapters can read documents written by older code.
/// </summary>
public sealed record ProfileDocument(
    int SchemaVersion,
    string Id,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> Identifiers,
    IReadOnlyDictionary<string, Trait> Traits)
{
    public const int CurrentSchemaVersion = 1;
}
