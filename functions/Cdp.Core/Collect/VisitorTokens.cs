using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Cdp.Core.Collect;

/// <summary>
/// The token a Tracardi-style client keeps as <c>profile.id</c>: <c>pt_{mac}.{visitor}</c>, where the visitor is
/// the session id the client first sent (base64url) and the mac an HMAC of the source and the visitor under a key
/// derived from the deployment's secret. It reveals nothing the client did not send itself, and a client can only
/// present a visitor a reply of the same source gave it: never a profile id, never someone else's session.
/// </summary>
internal sealed class VisitorTokens(byte[] key)
{
    private const string Prefix = "pt_";
    private const int MacBytes = 16;

    /// <summary>The token for <paramref name="visitorId"/> as a client of <paramref name="sourceId"/>.</summary>
    public string Issue(string sourceId, string visitorId)
    {
        Span<byte> mac = stackalloc byte[MacBytes];
        Mac(sourceId, visitorId, mac);
        return string.Concat(Prefix, Base64Url.EncodeToString(mac), ".", Base64Url.EncodeToString(Encoding.UTF8.GetBytes(visitorId)));
    }

    /// <summary>The visitor a token names, or null when this source did not issue it (forged, altered, another source's, or not a token).</summary>
    public string? Verify(string sourceId, string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || dot < 0)
        {
            return null;
        }

        string visitorId;
        byte[] presented;
        try
        {
            presented = Base64Url.DecodeFromChars(token.AsSpan(Prefix.Length, dot - Prefix.Length));
            visitorId = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(token.AsSpan(dot + 1)));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return null;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        Mac(sourceId, visitorId, expected);
        return visitorId.Length > 0 && CryptographicOperations.FixedTimeEquals(presented, expected) ? visitorId : null;
    }

    private void Mac(string sourceId, string visitorId, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(string.Concat(sourceId, "\n", visitorId)), full);
        full[..destination.Length].CopyTo(destination);
    }
}
