namespace Cdp.Core.Privacy;

/// <summary>
/// Each profile's data key, wrapped by the master key (<see cref="PersonalDataProtector"/>): stored once, read, and
/// deleted by an erasure (crypto-shredding: what was encrypted with it, wherever a copy lies, can no longer be read).
/// </summary>
public interface IDataKeyStore
{
    /// <summary>The profile's wrapped key, or null when it has none (never had one, or it was shredded).</summary>
    Task<byte[]?> GetAsync(string profileId, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="wrapped"/> unless the profile has a key already; returns the key stored (the first wins a race).</summary>
    Task<byte[]> AddOnceAsync(string profileId, byte[] wrapped, CancellationToken cancellationToken);

    /// <summary>Deletes the profile's key; false when there was none.</summary>
    Task<bool> DeleteAsync(string profileId, CancellationToken cancellationToken);
}
