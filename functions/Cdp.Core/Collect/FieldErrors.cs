namespace Cdp.Core.Collect;

/// <summary>Problems found in an input, grouped by the field they concern, in the order found.</summary>
internal sealed class FieldErrors
{
    public static readonly IReadOnlyDictionary<string, string[]> None = new Dictionary<string, string[]>();

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public int Count => _errors.Count;

    public bool Contains(string field) => _errors.ContainsKey(field);

    public void Add(string field, string problem)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            list = [];
            _errors[field] = list;
        }

        list.Add(problem);
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
}
