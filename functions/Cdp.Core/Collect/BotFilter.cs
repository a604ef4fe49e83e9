using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cdp.Core.Collect;

/// <summary>
/// Recognizes known crawlers by the user agent a client library reports in <c>context.userAgent</c>.
/// Server-side libraries send no browser user agent, so their messages are never taken for bots.
/// </summary>
public static partial class BotFilter
{
    public static bool IsBot(JsonObject? context) =>
        context?["userAgent"] is JsonValue value
        && value.GetValueKind() == JsonValueKind.String
        && Crawler().IsMatch(value.GetValue<string>());

    // Generic crawler words and the crawlers that do not use them; matched case-insensitively.
    [GeneratedRegex(
        @"bot\b|bot/|crawler|crawling|spider|slurp|facebookexternalhit|headlesschrome|lighthouse|pingdom|uptimerobot|python-requests|go-http-client|scrapy|phantomjs",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Crawler();
}
