using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Cdp.Core.Privacy;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Destinations;

/// <summary>
/// A destination's secrets at rest: sealed with the master key (AES-256-GCM, bound to the destination and the secret's
/// name) as <c>sealed:v1:{base64url(nonce|ciphertext|tag)}</c>. Without a master key (a Function App not given one)
/// they are stored as given (docs/decisions.md). The API never shows a value again, only which names are set.
/// </summary>
public sealed class DestinationSecrets
{
    public const string Prefix = "sealed:v1:";

    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[]? _master;

    public DestinationSecrets(IOptions<PrivacyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _master = string.IsNullOrWhiteSpace(options.Value.MasterKey) ? null : Convert.FromBase64String(options.Value.MasterKey);
    }

    public string Seal(string destinationId, string name, string value)
    {
        if (_master is null)
        {
            return value;
        }

        using var aes = new AesGcm(_master, TagSize);
        var plain = Encoding.UTF8.GetBytes(value);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, NonceSize));
        aes.Encrypt(sealedBytes.AsSpan(0, NonceSize), plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), Associated(destinationId, name));
        return Prefix + Base64Url.EncodeToString(sealedBytes);
    }

    /// <summary>Every secret of the destination in clear.</summary>
    public IReadOnlyDictionary<string, string> Open(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return destination.Secrets.ToDictionary(s => s.Key, s => Open(destination.Id, s.Key, s.Value), StringComparer.Ordinal);
    }

    private string Open(string destinationId, string name, string stored)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return stored;
        }

        var master = _master ?? throw new InvalidOperationException($"Destination '{destinationId}' holds sealed secrets but no master key is configured ({PrivacyOptions.Section}:MasterKey).");
        var sealedBytes = Base64Url.DecodeFromChars(stored.AsSpan(Prefix.Length));
        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(master, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), plain, Associated(destinationId, name));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] Associated(string destinationId, string name) => Encoding.UTF8.GetBytes("cdp-destination-secret\n" + destinationId + "\n" + name);
}
