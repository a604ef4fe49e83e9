using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cdp.Core.Sources;
using Sylvan.Data.Csv;

namespace Cdp.Core.Collect;

/// <summary>
/// One row of a bulk import: its line (the 1-based record number in the file; a CSV file's header is line 1), the
/// message it holds, or why it holds none.
/// </summary>
public sealed record ImportRow(long Line, JsonObject Json, string? Problem = null)
{
    /// <summary>How a row's fields are named in problems: <c>line[N].</c>.</summary>
    public static string Prefix(long line) => string.Create(CultureInfo.InvariantCulture, $"line[{line}].");
}

/// <summary>The formats a bulk import reads.</summary>
public enum ImportFormat
{
    /// <summary>One JSON message per line (Segment's shape, with its <c>type</c>); empty lines are skipped.</summary>
    Ndjson,

    /// <summary>
    /// A header, then one message per record: columns <c>type</c> (identify when absent or empty), <c>userId</c>,
    /// <c>anonymousId</c>, <c>event</c>, <c>timestamp</c>, <c>messageId</c>, <c>groupId</c>, <c>previousId</c>, and
    /// <c>traits.NAME</c>, <c>properties.NAME</c>, <c>context.NAME</c> (dots nest); values are text, empty cells left out.
    /// </summary>
    Csv,
}

/// <summary>Reads an import's rows from its body, one at a time, for <see cref="Importing.ImportService"/>.</summary>
public static class ImportRowReader
{
    /// <summary>The largest row read (as for one message of the collection API, with room for CSV's quoting).</summary>
    public const int MaxRowChars = 64 * 1024;

    private static readonly HashSet<string> TopLevel = new(StringComparer.Ordinal) { "type", "userId", "anonymousId", "event", "timestamp", "messageId", "groupId", "previousId", "name", "category", "sentAt" };

    public static IAsyncEnumerable<ImportRow> ReadAsync(Stream body, ImportFormat format, CancellationToken cancellationToken) =>
        format == ImportFormat.Csv ? ReadCsvAsync(body, cancellationToken) : ReadNdjsonAsync(body, cancellationToken);

    private static async IAsyncEnumerable<ImportRow> ReadNdjsonAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        long line = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (text.Length > MaxRowChars)
            {
                yield return new ImportRow(line, new JsonObject(), $"A row may hold at most {MaxRowChars} characters.");
                continue;
            }

            JsonObject? json;
            string? problem = null;
            try
            {
                json = JsonNode.Parse(text) as JsonObject;
                problem = json is null ? "Each line must be a JSON object (a message with its type)." : null;
            }
            catch (JsonException ex)
            {
                json = null;
                problem = $"Not JSON: {ex.Message}";
            }

            yield return new ImportRow(line, json ?? new JsonObject { ["raw"] = text }, problem);
        }
    }

    private static async IAsyncEnumerable<ImportRow> ReadCsvAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var text = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        await using var csv = await CsvDataReader.CreateAsync(text, new CsvDataReaderOptions { HasHeaders = true, MaxBufferSize = MaxRowChars * 2 }, cancellationToken);
        var columns = Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).ToArray();
        var unknown = columns.Where(c => !TopLevel.Contains(c) && !c.StartsWith("traits.", StringComparison.Ordinal) && !c.StartsWith("properties.", StringComparison.Ordinal) && !c.StartsWith("context.", StringComparison.Ordinal)).ToList();
        while (await csv.ReadAsync(cancellationToken))
        {
            var row = new JsonObject();
            for (var i = 0; i < columns.Length && i < csv.RowFieldCount; i++)
            {
                var value = csv.GetString(i);
                if (value.Length > 0)
                {
                    SourceTransform.Put(row, columns[i], JsonValue.Create(value)); // dots nest: traits.address.city
                }
            }

            if (row.Count == 0)
            {
                continue;
            }

            row["type"] ??= "identify";
            yield return new ImportRow(
                csv.RowNumber + 1, // the header is line 1
                row,
                unknown.Count > 0 ? $"Unknown columns: {string.Join(", ", unknown)} (expected type, userId, anonymousId, event, timestamp, messageId, groupId, previousId, traits.NAME, properties.NAME or context.NAME)." : null);
        }
    }
}
