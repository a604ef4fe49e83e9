using System.Text;
using Cdp.Core.Privacy;
using Microsoft.Extensions.Options;

namespace Cdp.Embedded.Privacy;

/// <summary>
/// Cdp.Local's key wrapper: AES-256-GCM with the data folder's <c>master-key</c> file (created on first run, readable
/// by its owner only), the counterpart of the Function App's Key Vault key. It wraps only the master keys
/// (<see cref="MasterKeys"/>); back the file up with the database.
/// </summary>
public sealed class FileKeyWrapper(IOptions<EmbeddedOptions> options) : IKeyWrapper
{
    public const string KeyId = "file:" + EmbeddedServiceCollectionExtensions.MasterKeyFile;

    private static readonly byte[] Associated = Encoding.UTF8.GetBytes("cdp-master-key");

    private readonly Lazy<byte[]> _key = new(() => Convert.FromBase64String(
        LocalSecret.ReadOrCreate(Path.Combine(Path.GetFullPath(options.Value.DataDirectory), EmbeddedServiceCollectionExtensions.MasterKeyFile))));

    public string KeyName => KeyId;

    public Task<WrappedKey> WrapAsync(byte[] key, CancellationToken cancellationToken)
    {
        using var aes = Sealing.Cipher(_key.Value);
        return Task.FromResult(new WrappedKey(KeyId, Sealing.Seal(aes, Associated, key)));
    }

    public Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        if (wrapped.KeyId != KeyId)
        {
            throw new InvalidOperationException($"A master key is wrapped by '{wrapped.KeyId}', not by this data folder's key file.");
        }

        using var aes = Sealing.Cipher(_key.Value);
        return Task.FromResult(Sealing.Open(aes, Associated, wrapped.Value));
    }
}
