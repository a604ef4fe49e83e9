using System.Security.Cryptography;
using System.Text;
using Cdp.Core.Privacy;

namespace Cdp.Testing.InMemory;

/// <summary>
/// A key wrapper in memory standing for a Key Vault key: versions (the latest wraps), each AES-256-GCM; a version can be
/// disabled (unwrapping with it then fails, as the vault refuses it); counts its calls.
/// </summary>
public sealed class InMemoryKeyWrapper : IKeyWrapper
{
    private readonly Dictionary<string, byte[]> _versions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _disabled = new(StringComparer.Ordinal);
    private string _latest = string.Empty;

    public InMemoryKeyWrapper() => NewVersion();

    public string KeyName => "memory://keys/master";

    public int Calls { get; private set; }

    /// <summary>Rotates the key: a new version wraps from now on.</summary>
    public string NewVersion()
    {
        lock (_versions)
        {
            _latest = $"{KeyName}/v{_versions.Count + 1}";
            _versions[_latest] = RandomNumberGenerator.GetBytes(32);
            return _latest;
        }
    }

    /// <summary>Disables every version but the latest (what an operator does once everything is rewrapped).</summary>
    public void DisableAllButLatest()
    {
        lock (_versions)
        {
            _disabled.UnionWith(_versions.Keys.Where(v => v != _latest));
        }
    }

    public void Disable(string version)
    {
        lock (_versions)
        {
            _disabled.Add(version);
        }
    }

    public Task<WrappedKey> WrapAsync(byte[] key, CancellationToken cancellationToken)
    {
        lock (_versions)
        {
            Calls++;
            using var aes = new AesGcm(_versions[_latest], 16);
            return Task.FromResult(new WrappedKey(_latest, Sealing.Seal(aes, Encoding.UTF8.GetBytes(_latest), key)));
        }
    }

    public Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        lock (_versions)
        {
            Calls++;
            if (_disabled.Contains(wrapped.KeyId) || !_versions.TryGetValue(wrapped.KeyId, out var version))
            {
                throw new InvalidOperationException($"Key version '{wrapped.KeyId}' is disabled or unknown.");
            }

            using var aes = new AesGcm(version, 16);
            return Task.FromResult(Sealing.Open(aes, Encoding.UTF8.GetBytes(wrapped.KeyId), wrapped.Value));
        }
    }
}
