using System.Security.Cryptography;
using System.Text;

namespace Cdp.Core;

/// <summary>
/// How Cdp signs what it posts to a receiver (journey webhooks, webhook destinations): HMAC-SHA256 over
/// <c>{timestamp}.{body}</c>, sent as <c>X-Cdp-Signature: v1={hex}</c> with <c>X-Cdp-Timestamp</c> (Unix seconds).
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-Cdp-Signature";
    public const string TimestampHeader = "X-Cdp-Timestamp";

    public static string Sign(byte[] key, string timestamp, string body) =>
        "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(timestamp + "." + body)));
}
