using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Cdp.Core.Ingest;

/// <summary>
/// Remembers which messages ingest has applied, by source and message id, for at least
/// <see cref="Retention"/>, so that a message sent again or a batch redelivered by the stream is applied once.
/// </summary>
/// <remarks>
/// Ingest records a batch's messages after applying them. A crash in between applies them again on
/// redelivery, which the profile changes tolerate (they are idempotent); the log makes repeats cheap and
/// keeps counters right.
/// </remarks>
public interface IProcessedMessageLog
{
    /// <summary>How long a message id is remembered at least.</summary>
    static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>Which of <paramref name="keys"/> have been recorded (one round trip per batch where the store allows).</summary>
    Task<IReadOnlySet<string>> FindAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    /// <summary>Records <paramref name="keys"/>; recording a key again is not an error.</summary>
    Task AddAsync(IReadOnlyCollection<string> keys, DateTimeOffset processedAt, CancellationToken cancellationToken);

    /// <summary>
    /// The log's key for a message: the first 96 bits of SHA-256 of source and message id, base64url (16 characters,
    /// safe as any store's id; short because profiles remember the keys of their recent messages).
    /// </summary>
    static string KeyFor(string? sourceId, string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        sourceId ??= string.Empty;
        var length = Encoding.UTF8.GetMaxByteCount(sourceId.Length + messageId.Length + 1);
        var input = length <= 512 ? stackalloc byte[512] : new byte[length];
        var written = Encoding.UTF8.GetBytes(sourceId, input);
        input[written++] = (byte)'\n';
        written += Encoding.UTF8.GetBytes(messageId, input[written..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..written], hash);
        return Base64Url.EncodeToString(hash[..12]);
    }
}
