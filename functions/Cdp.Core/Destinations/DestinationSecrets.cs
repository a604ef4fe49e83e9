using System.Buffers.Text;
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

        using var aes = Sealing.Cipher(_master);
        return Prefix + Base64Url.EncodeToString(Sealing.Seal(aes, Associated(destinationId, name), Encoding.UTF8.GetBytes(value)));
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
        using var aes = Sealing.Cipher(master);
        return Encoding.UTF8.GetString(Sealing.Open(aes, Associated(destinationId, name), Base64Url.DecodeFromChars(stored.AsSpan(Prefix.Length))));
    }

    private static byte[] Associated(string destinationId, string name) => Encoding.UTF8.GetBytes("cdp-destination-secret\n" + destinationId + "\n" + name);
}
