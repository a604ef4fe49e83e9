using Microsoft.Extensions.Options;

namespace Cdp.Core.Sources;

/// <summary>Refuses to start with a source that has no id, a malformed write key hash, a duplicate, or bad limits.</summary>
internal sealed class SourceOptionsValidator : IValidateOptions<SourceOptions>
{
    public ValidateOptionsResult Validate(string? name, SourceOptions options)
    {
        var failures = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Sources.Count; i++)
        {
            var source = options.Sources[i];
            var path = $"Cdp:Sources[{i}]";
            if (string.IsNullOrWhiteSpace(source.Id))
            {
                failures.Add($"{path}.id: a source needs an id.");
            }
            else if (!ids.Add(source.Id))
            {
                failures.Add($"{path}.id: the id '{source.Id}' is used twice.");
            }

            if (source.WriteKeySha256.Length != 64 || !source.WriteKeySha256.All(Uri.IsHexDigit))
            {
                failures.Add($"{path}.writeKeySha256: 64 hex digits, the SHA-256 of the write key.");
            }
            else if (!keys.Add(source.WriteKeySha256))
            {
                failures.Add($"{path}.writeKeySha256: two sources share a write key.");
            }

            failures.AddRange(SettingProblems(source).Select(p => $"{path}.{p.Field}: {p.Problem}"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>What is wrong with a source's settings (not its id or key), by field: configuration and the API check the same.</summary>
    internal static IEnumerable<(string Field, string Problem)> SettingProblems(SourceDefinition source)
    {
        if (source.Confidence is < 0 or > 1 || double.IsNaN(source.Confidence))
        {
            yield return ("confidence", "From 0 to 1.");
        }

        if (source.MaxEventAgeDays is < 1 or > 36500)
        {
            yield return ("maxEventAgeDays", "From 1 to 36500.");
        }

        if (source.MaxEventAheadMinutes is < 0 or > 525600)
        {
            yield return ("maxEventAheadMinutes", "From 0 to 525600.");
        }

        if (source.RequestsPerSecond < 1)
        {
            yield return ("requestsPerSecond", "1 or more.");
        }

        if (source.Burst < 1)
        {
            yield return ("burst", "1 or more.");
        }

        foreach (var problem in SourceTransform.Problems(source.Transform))
        {
            yield return problem;
        }
    }
}
