using System.IO.Compression;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// The body, or <see cref="BodyRead.TooLarge"/>, or why it cannot be read (an unsupported encoding, corrupt gzip)
    /// with the bytes as received (<see cref="BodyRead.Raw"/>), so that a caller can keep them.
    /// </summary>
    public static async Task<BodyRead> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        var decoded = gzip || encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase);
        if (request.ContentLength > limit)
        {
            // Compressed or not, a body over the limit as sent is over it decoded.
            return BodyRead.TooLarge;
        }

        // As sent first (bounded), so that a body that cannot be decoded can still be kept.
        if (await ReadBoundedAsync(request.Body, limit, cancellationToken) is not { } sent)
        {
            return BodyRead.TooLarge;
        }

        if (!decoded)
        {
            return new BodyRead(null, $"Content-Encoding '{encoding}' is not supported; send gzip or no encoding.", sent);
        }

        if (!gzip)
        {
            return new BodyRead(sent, null);
        }

        try
        {
            var compressed = MemoryMarshal.TryGetArray(sent, out var segment) ? segment : new ArraySegment<byte>(sent.ToArray());
            await using var unzip = new GZipStream(new MemoryStream(compressed.Array!, compressed.Offset, compressed.Count, writable: false), CompressionMode.Decompress);
            return await ReadBoundedAsync(unzip, limit, cancellationToken) is { } body ? new BodyRead(body, null) : BodyRead.TooLarge;
        }
        catch (InvalidDataException ex)
        {
            return new BodyRead(null, $"The gzip body is corrupt: {ex.Message}", sent);
        }
    }

    /// <summary>The stream's bytes, or null when there are more than <paramref name="limit"/>.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBoundedAsync(Stream source, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}

/// <summary>
/// A body read: the bytes, or why there are none (<see cref="Problem"/>; null with no bytes means too large), and for a
/// body that could not be decoded the bytes as sent.
/// </summary>
internal sealed record BodyRead(ReadOnlyMemory<byte>? Body, string? Problem, ReadOnlyMemory<byte>? Raw = null)
{
    public static BodyRead TooLarge { get; } = new(null, null);

    /// <summary>The problem details reply for a body that could not be read (413 when too large, else 400).</summary>
    public IResult ToProblem(int limit) =>
        Problem is null ? Problems.TooLarge(limit) : Problems.Invalid("body", Problem, "The request body cannot be read.");
}
