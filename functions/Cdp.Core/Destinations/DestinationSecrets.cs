using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Cdp.Core.Privacy;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Destinations;

/// <summary>
/// A destination's secrets at rest: sealed (AES-256-GCM, bound to the destination and the secret's name) with the
/// destination's own data key, which a master key wraps in the data key store like a profile's (<c>~destination~{id}</c>,
/// <see cref="MasterKeys"/>; rotations rewrap it), as <c>sealed:v2:{base64url(nonce|ciphertext|tag)}</c>. Secrets sealed
/// before (<c>sealed:v1:</c>, directly with <c>Cdp:Privacy:MasterKey</c>) are still read. Without any master key (a
/// Function App given none) they are stored as given (docs/decisions.md). The API never shows a value again, only which
/// names are set.
/// </summary>
public sealed class DestinationSecrets
{
    public const string Prefix = "sealed:v2:";

    /// <summary>How secrets sealed directly with the configured master key start.</summary>
    public const string LegacyPrefix = "sealed:v1:";

    /// <summary>How a destination's data key is named in the data key store.</summary>
    public const string KeyPrefix = "~destination~";

    private const int KeySize = 32;

    private readonly IDataKeyStore? _keys;
    private readonly MasterKeys? _masterKeys;
    private readonly byte[]? _legacy;
    private readonly ConcurrentDictionary<string, byte[]> _cache = new(StringComparer.Ordinal);

    /// <summary>Without a data key store: secrets are kept in clear (tests, tools).</summary>
    public DestinationSecrets(IOptions<PrivacyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _legacy = string.IsNullOrWhiteSpace(options.Value.MasterKey) ? null : Convert.FromBase64String(options.Value.MasterKey);
    }

    public DestinationSecrets(IDataKeyStore keys, MasterKeys masterKeys, IOptions<PrivacyOptions> options)
        : this(options)
    {
        _keys = keys;
        _masterKeys = masterKeys;
    }

    public async Task<string> SealAsync(string destinationId, string name, string value, CancellationToken cancellationToken)
    {
        if (await KeyAsync(destinationId, create: true, cancellationToken) is not { } key)
        {
            return value;
        }

        using var aes = Sealing.Cipher(key);
        return Prefix + Base64Url.EncodeToString(Sealing.Seal(aes, Associated(destinationId, name), Encoding.UTF8.GetBytes(value)));
    }

    /// <summary>Every secret of the destination in clear.</summary>
    public async Task<IReadOnlyDictionary<string, string>> OpenAsync(DestinationDefinition destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var opened = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, stored) in destination.Secrets)
        {
            opened[name] = await OpenAsync(destination.Id, name, stored, cancellationToken);
        }

        return opened;
    }

    private async Task<string> OpenAsync(string destinationId, string name, string stored, CancellationToken cancellationToken)
    {
        var (key, prefix) = stored.StartsWith(Prefix, StringComparison.Ordinal)
            ? (await KeyAsync(destinationId, create: false, cancellationToken), Prefix)
            : stored.StartsWith(LegacyPrefix, StringComparison.Ordinal) ? (_legacy, LegacyPrefix) : (null, null);
        if (prefix is null)
        {
            return stored;
        }

        if (key is null)
        {
            throw new InvalidOperationException($"Destination '{destinationId}' holds sealed secrets but its key is not available (no master key configured, or its data key is gone).");
        }

        using var aes = Sealing.Cipher(key);
        return Encoding.UTF8.GetString(Sealing.Open(aes, Associated(destinationId, name), Base64Url.DecodeFromChars(stored.AsSpan(prefix.Length))));
    }

    /// <summary>The destination's data key (created on first need); null when there is no master key to wrap one.</summary>
    private async ValueTask<byte[]?> KeyAsync(string destinationId, bool create, CancellationToken cancellationToken)
    {
        if (_keys is null || _masterKeys is not { Enabled: true } master)
        {
            return null;
        }

        if (_cache.TryGetValue(destinationId, out var cached))
        {
            return cached;
        }

        var id = KeyPrefix + destinationId;
        var wrapped = await _keys.GetAsync(id, cancellationToken);
        if (wrapped is null && create)
        {
            wrapped = await _keys.AddOnceAsync(id, await master.WrapAsync(id, RandomNumberGenerator.GetBytes(KeySize), cancellationToken), cancellationToken);
        }

        return wrapped is null ? null : _cache.GetOrAdd(destinationId, await master.UnwrapAsync(id, wrapped, cancellationToken));
    }

    private static byte[] Associated(string destinationId, string name) => Encoding.UTF8.GetBytes("cdp-destination-secret\n" + destinationId + "\n" + name);
}
