namespace Cdp.Core.Privacy;

/// <summary>
/// Wraps and unwraps key material with a key that never leaves where it is kept: a Key Vault key in the cloud (its
/// <c>wrapKey</c> and <c>unwrapKey</c> operations), the data folder's key file in Cdp.Local. <see cref="MasterKeys"/>
/// wraps Cdp's master keys with it; nothing else is wrapped by it.
/// </summary>
public interface IKeyWrapper
{
    /// <summary>What new wraps use, as the wrapper names it (a Key Vault key's URI without a version).</summary>
    string KeyName { get; }

    /// <summary>Wraps <paramref name="key"/>; the answer names the key version that wrapped it (needed to unwrap).</summary>
    Task<WrappedKey> WrapAsync(byte[] key, CancellationToken cancellationToken);

    /// <summary>Unwraps what <paramref name="wrapped"/> holds with the key version it names.</summary>
    Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken);
}

/// <summary>Key material as a wrapper wrapped it: the key version that did (a Key Vault key's full <c>kid</c>) and the bytes.</summary>
public sealed record WrappedKey(string KeyId, byte[] Value);
