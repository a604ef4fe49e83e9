using System.Globalization;

namespace Cdp.Embedded.Sqlite;

/// <summary>Times stored for comparison in SQL: fixed-width UTC text, so that text order is time order.</summary>
internal static class SqliteTime
{
    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
