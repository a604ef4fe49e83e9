using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Cdp.Core.Ingest;

/// <summary>
/// Remembers which messages ingest has applied, by source and message id, for at least
/// <see cref="Retention"/>, so that a message sent again or a batch redelivered by the stream is applied once.
/// </summary>
/// <remarks>
/// Ingest records a message after applying it. A crash in between applies it again on redelivery, which
/// the profile changes tolerate (they are idempotent); the log makes repeats cheap and keeps counters right.
/// </remarks>
public interface IProcessedMessageLog
{
    /// <summary>How long a message id is remembered at least.</summary>
    static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    Task<bool> ContainsAsync(string key, CancellationToken cancellationToken);

    /// <summary>Records <paramref name="key"/>; recording it again is not an error.</summary>
    Task AddAsync(string key, DateTimeOffset processedAt, CancellationToken cancellationToken);

    /// <summary>The log's key for a message: base64url SHA-256 of source and message id (safe as any store's id).</summary>
    static string KeyFor(string? sourceId, string messageId) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($"{sourceId}\n{messageId}")));
}
