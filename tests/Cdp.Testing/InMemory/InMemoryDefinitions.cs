using System.Collections.Concurrent;
using System.Globalization;

namespace Cdp.Testing.InMemory;

/// <summary>Saved definitions (segments, journeys) by id with a tag per replace, as the SQLite and Cosmos DB adapters keep them.</summary>
internal sealed class InMemoryDefinitions<T>(Func<T, string> idOf)
{
    private readonly ConcurrentDictionary<string, (long Tag, T Definition)> _definitions = new(StringComparer.Ordinal);
    private readonly Lock _write = new();

    public (T Definition, string Tag)? Get(string id) => _definitions.TryGetValue(id, out var held) ? (held.Definition, Tag(held.Tag)) : null;

    public IReadOnlyList<T> List() => [.. _definitions.Values.Select(v => v.Definition).OrderBy(idOf, StringComparer.Ordinal)];

    public string? TryPut(T definition, string? versionTag)
    {
        lock (_write)
        {
            var exists = _definitions.TryGetValue(idOf(definition), out var held);
            if (versionTag is null ? exists : !exists || Tag(held.Tag) != versionTag)
            {
                return null;
            }

            var tag = (exists ? held.Tag : 0) + 1;
            _definitions[idOf(definition)] = (tag, definition);
            return Tag(tag);
        }
    }

    public bool Delete(string id) => _definitions.TryRemove(id, out _);

    public static string Tag(long tag) => tag.ToString(CultureInfo.InvariantCulture);
}
