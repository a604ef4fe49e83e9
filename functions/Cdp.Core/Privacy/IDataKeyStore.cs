namespace Cdp.Core.Privacy;

/// <summary>
/// Each profile's data key, wrapped by the master key (<see cref="PersonalDataProtector"/>): stored once, read, and
/// deleted by an erasure (crypto-shredding: what was encrypted with it, wherever a copy lies, can no longer be read).
/// The same store keeps each destination's data key (<c>~destination~{id}</c>) and the master keys themselves, wrapped
/// by the key wrapper (<see cref="MasterKeys"/>, <c>~master~{generation}</c>); a rotation lists and rewraps them.
/// </summary>
public interface IDataKeyStore
{
    /// <summary>The profile's wrapped key, or null when it has none (never had one, or it was shredded).</summary>
    Task<byte[]?> GetAsync(string profileId, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="wrapped"/> unless the profile has a key already; returns the key stored (the first wins a race).</summary>
    Task<byte[]> AddOnceAsync(string profileId, byte[] wrapped, CancellationToken cancellationToken);

    /// <summary>Deletes the profile's key; false when there was none.</summary>
    Task<bool> DeleteAsync(string profileId, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the key of <paramref name="id"/> only while it is still <paramref name="expected"/> (a rewrap): false when
    /// it changed or was deleted meanwhile (a shredded key is never brought back).
    /// </summary>
    Task<bool> ReplaceAsync(string id, byte[] expected, byte[] replacement, CancellationToken cancellationToken);

    /// <summary>One page of the stored keys, from where <paramref name="cursor"/> (the previous page's <see cref="DataKeyPage.Next"/>) says.</summary>
    Task<DataKeyPage> ListAsync(string? cursor, int limit, CancellationToken cancellationToken);
}

/// <summary>A page of wrapped keys by id; <see cref="Next"/> is null after the last page.</summary>
public sealed record DataKeyPage(IReadOnlyList<KeyValuePair<string, byte[]>> Keys, string? Next);
