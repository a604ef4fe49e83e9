using System.IO.Compression;
using System.Text.Json;
using Cdp.Core.Events;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// Reads a request body into memory, decompressing <c>Content-Encoding: gzip</c> (as Segment's libraries
/// send), and refusing bodies whose decompressed size is over a limit without reading them whole.
/// </summary>
internal static class RequestBody
{
    /// <summary>
    /// The body as JSON of <typeparamref name="T"/> (null for a JSON <c>null</c>), or the problem details reply: 413 when
    /// too large, 400 naming <c>body</c> or the JSON path of the field that cannot be read, under <paramref name="title"/>.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpRequest request, int limit, string title, CancellationToken cancellationToken)
    {
        var read = await ReadAsync(request, limit, cancellationToken);
        if (read.Body is not { } body)
        {
            return (default, read.ToProblem(limit));
        }

        try
        {
            return (JsonSerializer.Deserialize<T>(body.Span, CdpJson.Options), null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return (default, Problems.Invalid(field, $"Not readable here: {ex.Message}", title));
        }
    }

    /// <summary>The body, or <see cref="BodyRead.TooLarge"/>, or why it cannot be read (an unsupported encoding, corrupt gzip).</summary>
    public static async Task<BodyRead> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return new BodyRead(null, $"Content-Encoding '{encoding}' is not supported; send gzip or no encoding.");
        }

        if (!gzip && request.ContentLength > limit)
        {
            return BodyRead.TooLarge;
        }

        var source = gzip ? new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true) : request.Body;
        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return BodyRead.TooLarge;
                }

                buffer.Write(chunk, 0, read);
            }

            return new BodyRead(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
        }
        catch (InvalidDataException ex)
        {
            return new BodyRead(null, $"The gzip body is corrupt: {ex.Message}");
        }
        finally
        {
            if (gzip)
            {
                await source.DisposeAsync();
            }
        }
    }
}

/// <summary>A body read: the bytes, or why there are none (<see cref="Problem"/>; null with no bytes means too large).</summary>
internal sealed record BodyRead(ReadOnlyMemory<byte>? Body, string? Problem)
{
    public static BodyRead TooLarge { get; } = new(null, null);

    /// <summary>The problem details reply for a body that could not be read (413 when too large, else 400).</summary>
    public IResult ToProblem(int limit) =>
        Problem is null ? Problems.TooLarge(limit) : Problems.Invalid("body", Problem, "The request body cannot be read.");
}
