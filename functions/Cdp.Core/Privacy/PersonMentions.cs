using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cdp.Core.Identity;
using Cdp.Core.Profiles;

namespace Cdp.Core.Privacy;

/// <summary>
/// Finds a person in text they did not write through the API, such as a dead letter's body: a string names them when
/// it is one of their profile ids, or when, normalized as ingest normalizes an identifier of some type, its index key is
/// one of theirs. So <c>" ADA@example.com "</c>, <c>"(415) 555-2671"</c> and <c>"+1 415 555 2671"</c> all match, and the
/// erasure's record needs only keys (keyed hashes), never the values.
/// </summary>
internal sealed partial class PersonMentions(IdentityRules rules, IEnumerable<string> profileIds, IEnumerable<string> identifierKeys)
{
    /// <summary>Longer strings are not tried as identifiers (an identifier is a name, not a document).</summary>
    private const int MaxIdentifierLength = 512;

    private static readonly char[] Separators = [' ', '\t', '\r', '\n', '"', '\'', ',', ';', '{', '}', '[', ']', '<', '>', '=', '&', '\\'];

    // Profile ids, and raw values of erasures recorded before values were left out of the record (matched as they were).
    private readonly HashSet<string> _exact = new(profileIds, StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _keys = new(identifierKeys, StringComparer.Ordinal);

    /// <summary>True when any string or number anywhere in the JSON (values, not property names) names the person.</summary>
    public bool In(JsonNode? node) => node switch
    {
        JsonObject o => o.Any(p => In(p.Value)),
        JsonArray a => a.Any(In),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Names(v.GetValue<string>()),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => Names(v.ToJsonString()),
        _ => false,
    };

    /// <summary>
    /// True when text that is not JSON names the person: each run between separators (quotes, brackets, commas,
    /// whitespace, and percent-decoded), and each run that looks like a phone number, is tried.
    /// </summary>
    public bool InText(string text) =>
        text.Split(Separators, StringSplitOptions.RemoveEmptyEntries).Any(token => Names(token) || (token.Contains('%', StringComparison.Ordinal) && Names(Unescaped(token))))
        || PhoneRun().Matches(text).Any(m => Names(m.Value));

    /// <summary>True when <paramref name="text"/> is one of the person's profile ids or identifiers, in any form ingest accepts.</summary>
    public bool Names(string text)
    {
        if (_exact.Contains(text) || _exact.Contains(text.Trim()))
        {
            return true;
        }

        if (text.Length > MaxIdentifierLength || _keys.Count == 0)
        {
            return false;
        }

        foreach (var type in rules.Types)
        {
            // Parsing a phone number throws on text that is not one: only what looks like one is tried.
            if (type.Normalization == IdentifierNormalization.Phone && !PhoneLike().IsMatch(text))
            {
                continue;
            }

            if (rules.Normalize(type, text) is { } value && _keys.Contains(rules.KeyOf(new Identifier(type.Name, value))))
            {
                return true;
            }
        }

        return false;
    }

    private static string Unescaped(string token)
    {
        try
        {
            return Uri.UnescapeDataString(token.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return token;
        }
    }

    [GeneratedRegex(@"^\s*\+?[\d\s().\-/]{7,32}\s*$")]
    private static partial Regex PhoneLike();

    [GeneratedRegex(@"\+?\(?\d[\d\s().\-/]{5,30}\d")]
    private static partial Regex PhoneRun();
}
