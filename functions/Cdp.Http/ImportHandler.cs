using System.IO.Compression;
using Cdp.Core;
using Cdp.Core.Collect;
using Cdp.Core.Importing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Cdp.Http;

/// <summary>
/// <c>POST /api/imports?id=&amp;source=&amp;format=</c> (admin): streams NDJSON or CSV rows (gzip allowed) into collection
/// for a source, answering the import's summary when the body is read; <c>GET /api/imports/{id}</c>: its progress,
/// also while it runs. The body has no size limit: rows are read as they arrive.
/// </summary>
public sealed class ImportHandler(ImportService imports)
{
    public async Task<IResult> PostAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var format = FormatOf(request);
        if (format is null)
        {
            return Problems.Invalid("format", "ndjson or csv (or a Content-Type of application/x-ndjson or text/csv).", "The import is not valid.");
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Invalid("Content-Encoding", "gzip, or none.", "The import is not valid.");
        }

        // The request's own body is the host's to close; only the decompressing stream is this handler's.
        await using var unzipped = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) ? new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true) : null;
        ImportOutcome outcome;
        try
        {
            outcome = await imports.RunAsync(request.Query["id"].ToString(), request.Query["source"] is { Count: > 0 } source ? source.ToString() : null, format.Value, (Stream?)unzipped ?? request.Body, cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            return Problems.Invalid("body", $"The gzip stream cannot be read: {ex.Message} Send the same import again to resume it.", "The import is not valid.");
        }
        catch (ContentionException)
        {
            // Another request took the import over meanwhile (its rows are the same messages): this one stops.
            return Running();
        }

        if (outcome.Busy)
        {
            return Running();
        }

        return outcome.Status is { } status ? TypedResults.Ok(status) : Problems.Invalid(outcome.Errors, "The import is not valid.");
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Running() =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The import is running.", detail: "Another request is sending it; follow its progress with GET /api/imports/{id}.");

    public async Task<IResult> GetAsync(string id, CancellationToken cancellationToken) =>
        await imports.GetAsync(id, cancellationToken) is { } status ? TypedResults.Ok(status) : Problems.NotFound($"No import '{id}'.");

    private static ImportFormat? FormatOf(HttpRequest request)
    {
        var named = request.Query["format"].ToString();
        if (named.Length > 0)
        {
            return named.ToUpperInvariant() switch
            {
                "NDJSON" or "JSONL" => ImportFormat.Ndjson,
                "CSV" => ImportFormat.Csv,
                _ => null,
            };
        }

        var type = request.ContentType ?? string.Empty;
        return type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) ? ImportFormat.Csv : ImportFormat.Ndjson;
    }
}
