using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PhoneNumbers;

namespace Cdp.Core.Identity;

/// <summary>Refuses to start without a usable hash key, with a bad type setting, or with two types of one priority.</summary>
internal sealed class IdentityOptionsValidator : IValidateOptions<IdentityOptions>
{
    private static readonly string[] PathRoots = ["userId", "anonymousId", "previousId", "traits.", "properties.", "context."];

    public ValidateOptionsResult Validate(string? name, IdentityOptions options)
    {
        var failures = new List<string>();
        if (!HashKeyIsUsable(options.HashKey))
        {
            failures.Add("Cdp:Identity:HashKey: a secret of at least 32 bytes in base64 (for example `openssl rand -base64 32`), the same for every instance.");
        }

        if (!PhoneNumberUtil.GetInstance().GetSupportedRegions().Contains(options.DefaultRegion))
        {
            failures.Add($"Cdp:Identity:DefaultRegion: '{options.DefaultRegion}' is not a region code (such as US, GB, DE).");
        }

        if (options.MaxProfilesPerMerge < 2 || options.MaxIdentifiersPerProfile < 1)
        {
            failures.Add("Cdp:Identity: MaxProfilesPerMerge must be 2 or more and MaxIdentifiersPerProfile 1 or more.");
        }

        var priorities = new Dictionary<int, string>();
        foreach (var typeName in IdentityDefaults.Types.Keys.Union(options.Types.Keys).Order(StringComparer.Ordinal))
        {
            var configured = options.Types.GetValueOrDefault(typeName) ?? new IdentifierTypeOptions();
            var type = new IdentifierType(typeName, new IdentifierTypeOptions { Normalize = configured.Normalize, Paths = configured.Paths, Priority = configured.Priority, Limit = configured.Limit });
            var path = $"Cdp:Identity:Types:{typeName}";
            if (typeName.Length == 0 || typeName.Contains(':', StringComparison.Ordinal))
            {
                failures.Add($"{path}: a type name is not empty and has no ':'.");
            }

            if (!IdentifierNormalization.All.Contains(type.Normalization))
            {
                failures.Add($"{path}:Normalize: one of {string.Join(", ", IdentifierNormalization.All)}.");
            }

            if (type.Limit < 1)
            {
                failures.Add($"{path}:Limit: 1 or more.");
            }

            if (configured.Priority is null && !IdentityDefaults.Types.ContainsKey(typeName))
            {
                failures.Add($"{path}:Priority: a custom type needs a priority (1 is the strongest; built in: user_id 1, email 2, phone 3, anonymous_id 100).");
            }
            else if (!priorities.TryAdd(type.Priority, typeName))
            {
                failures.Add($"{path}:Priority: {type.Priority} is also {priorities[type.Priority]}'s; priorities are a total order.");
            }

            foreach (var badPath in type.Paths.Where(p => !PathRoots.Any(root => root.EndsWith('.') ? p.StartsWith(root, StringComparison.Ordinal) && p.Length > root.Length : p == root)))
            {
                failures.Add($"{path}:Paths: '{badPath}' is not userId, anonymousId, previousId, traits.x, properties.x or context.x.");
            }

            foreach (var pattern in configured.BlockedPatterns ?? [])
            {
                if (!IsRegex(pattern))
                {
                    failures.Add($"{path}:BlockedPatterns: '{pattern}' is not a regular expression.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool HashKeyIsUsable(string key)
    {
        var bytes = new byte[key.Length];
        return Convert.TryFromBase64String(key, bytes, out var length) && length >= 32;
    }

    private static bool IsRegex(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
