namespace Cdp.Core;

/// <summary>
/// Problems found in an input, grouped by the field they concern (named under a prefix such as
/// <c>batch[3].</c>), in the order found.
/// </summary>
internal sealed class FieldErrors(string prefix = "")
{
    public static readonly IReadOnlyDictionary<string, string[]> None = new Dictionary<string, string[]>();

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public int Count => _errors.Count;

    public bool Contains(string field) => _errors.ContainsKey(prefix + field);

    public void Add(string field, string problem) => Append(prefix + field, problem);

    /// <summary>Adds every problem of <paramref name="other"/> as it is named there (no prefix).</summary>
    public void AddRange(IReadOnlyDictionary<string, string[]> other)
    {
        foreach (var (field, problems) in other)
        {
            foreach (var problem in problems)
            {
                Append(field, problem);
            }
        }
    }

    private void Append(string key, string problem)
    {
        if (!_errors.TryGetValue(key, out var list))
        {
            list = [];
            _errors[key] = list;
        }

        list.Add(problem);
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
}
