using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Privacy;

/// <summary>
/// Cdp's master keys: random 256-bit keys, numbered by generation, each stored wrapped by the
/// <see cref="IKeyWrapper"/> (a Key Vault key in the cloud: it never leaves the vault) in the data key store under
/// <c>~master~{generation}</c>, unwrapped once per process and held in memory only. The latest generation wraps new
/// data keys (AES-256-GCM, bound to the data key's id), each prefixed with its generation, so that keys of several
/// generations can be read during a rotation. A data key wrapped before generations existed (by
/// <c>Cdp:Privacy:MasterKey</c>, a key given in configuration) is still read with that key, and rewrapped by
/// <see cref="RewrapAsync"/>.
/// </summary>
/// <remarks>
/// Rotation (docs/privacy.md): <see cref="RotateAsync"/> adds a generation and rewraps every generation's record with
/// the wrapper's current key version (after the vault's key was rotated, the old version can then be disabled);
/// <see cref="RewrapAsync"/>, page by page, rewraps the data keys of older generations with the latest. A replacement is
/// conditional on the data key being unchanged, so a key shredded by an erasure meanwhile stays shredded. Other
/// processes look for a newer generation at most every <see cref="RefreshInterval"/>, so a rewrap pass run that long
/// after the rotation leaves no data key on an older generation. Old generations are kept (wrapped): data keys a late
/// process wrapped with one stay readable.
/// </remarks>
public sealed class MasterKeys : IDisposable
{
    /// <summary>How the id of a master key's record starts (not a profile id: those never start with '~').</summary>
    public const string RecordPrefix = "~master~";

    /// <summary>How long a process wraps new data keys with the generation it knows before it looks for a newer one.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private const byte Format = 0x02;
    private const int HeaderSize = 5;
    private const int KeySize = 32;

    private readonly IDataKeyStore _store;
    private readonly IKeyWrapper? _wrapper;
    private readonly byte[]? _legacy;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<int, byte[]> _open = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _active;
    private DateTimeOffset _checkedAt;

    public MasterKeys(IDataKeyStore store, IOptions<PrivacyOptions> options, IKeyWrapper? wrapper = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _wrapper = wrapper;
        _time = time ?? TimeProvider.System;
        if (!string.IsNullOrWhiteSpace(options.Value.MasterKey))
        {
            _legacy = Convert.FromBase64String(options.Value.MasterKey);
            if (_legacy.Length != KeySize)
            {
                throw new OptionsValidationException(PrivacyOptions.Section, typeof(PrivacyOptions), [$"{PrivacyOptions.Section}:MasterKey must be {KeySize} bytes in base64."]);
            }
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>True when data keys can be wrapped (a key wrapper, or a configured master key): personal data is encrypted.</summary>
    public bool Enabled => _wrapper is not null || _legacy is not null;

    /// <summary>True when master keys are generations wrapped by a key wrapper (rotation is possible).</summary>
    public bool Rotatable => _wrapper is not null;

    /// <summary>Wraps a new data key for <paramref name="id"/> with the latest generation (the configured key without a wrapper).</summary>
    public async ValueTask<byte[]> WrapAsync(string id, byte[] dataKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataKey);
        if (_wrapper is null)
        {
            return SealWith(_legacy ?? throw NoKey(id), id, dataKey);
        }

        var generation = await LatestAsync(cancellationToken);
        var wrapped = new byte[HeaderSize];
        wrapped[0] = Format;
        BinaryPrimitives.WriteInt32BigEndian(wrapped.AsSpan(1), generation);
        return [.. wrapped, .. SealWith(await GenerationAsync(generation, cancellationToken), id, dataKey)];
    }

    /// <summary>The data key <paramref name="wrapped"/> holds, opened with the generation it names (or the configured key).</summary>
    public async ValueTask<byte[]> UnwrapAsync(string id, byte[] wrapped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        return GenerationOf(wrapped) is { } generation
            ? OpenWith(await GenerationAsync(generation, cancellationToken), id, wrapped.AsSpan(HeaderSize).ToArray())
            : OpenWith(_legacy ?? throw NoKey(id), id, wrapped);
    }

    /// <summary>
    /// Adds a generation, which wraps new data keys from now on, and rewraps every generation's record with the
    /// wrapper's current key version. Returns the new generation and the key version that wraps it.
    /// </summary>
    public async Task<MasterKeyRotation> RotateAsync(CancellationToken cancellationToken)
    {
        var wrapper = _wrapper ?? throw new InvalidOperationException("Master keys are rotated through a key wrapper (a Key Vault key, or Cdp.Local's key file); none is configured.");
        var latest = await LatestAsync(cancellationToken, refresh: true);
        var created = await CreateAsync(wrapper, latest + 1, cancellationToken);
        var rewrapped = 0;
        for (var generation = 1; generation <= latest; generation++)
        {
            var stored = await _store.GetAsync(RecordId(generation), cancellationToken) ?? throw new InvalidOperationException($"Master key generation {generation} is missing.");
            var record = Read(stored);
            if (record.KeyId == created.KeyId)
            {
                continue;
            }

            var key = await wrapper.UnwrapAsync(record, cancellationToken);
            var again = await wrapper.WrapAsync(key, cancellationToken);
            if (await _store.ReplaceAsync(RecordId(generation), stored, Write(again), cancellationToken))
            {
                rewrapped++;
            }
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            _active = Math.Max(_active, latest + 1);
            _checkedAt = _time.GetUtcNow();
        }
        finally
        {
            _gate.Release();
        }

        return new MasterKeyRotation(latest + 1, created.KeyId, rewrapped);
    }

    /// <summary>
    /// Rewraps one page of data keys that an older generation (or the configured key) wraps with the latest generation;
    /// <paramref name="cursor"/> is where the previous page ended. Keys changed or shredded meanwhile are left as they are.
    /// </summary>
    public async Task<MasterKeyRewrap> RewrapAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        if (_wrapper is null)
        {
            throw new InvalidOperationException("Data keys are rewrapped onto a master key generation, which needs a key wrapper; none is configured.");
        }

        var latest = await LatestAsync(cancellationToken, refresh: true);
        var page = await _store.ListAsync(cursor, limit, cancellationToken);
        var (rewrapped, current, gone) = (0, 0, 0);
        foreach (var (id, wrapped) in page.Keys)
        {
            if (id.StartsWith(RecordPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (GenerationOf(wrapped) == latest)
            {
                current++;
                continue;
            }

            var key = await UnwrapAsync(id, wrapped, cancellationToken);
            if (await _store.ReplaceAsync(id, wrapped, await WrapAsync(id, key, cancellationToken), cancellationToken))
            {
                rewrapped++;
            }
            else
            {
                gone++;
            }
        }

        return new MasterKeyRewrap(latest, rewrapped, current, gone, page.Next);
    }

    private static int? GenerationOf(byte[] wrapped) =>
        // A data key wrapped by the configured key is 60 bytes (nonce, key, tag); one of a generation has the header too.
        wrapped.Length == HeaderSize + Sealing.NonceSize + KeySize + Sealing.TagSize && wrapped[0] == Format ? BinaryPrimitives.ReadInt32BigEndian(wrapped.AsSpan(1)) : null;

    /// <summary>The latest generation, creating the first when there is none; looked up again after <see cref="RefreshInterval"/>.</summary>
    private async ValueTask<int> LatestAsync(CancellationToken cancellationToken, bool refresh = false)
    {
        if (_active > 0 && !refresh && _time.GetUtcNow() - _checkedAt < RefreshInterval)
        {
            return _active;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var latest = Math.Max(_active, 0);
            while (await _store.GetAsync(RecordId(latest + 1), cancellationToken) is { } stored)
            {
                latest++;
                _open.TryAdd(latest, await _wrapper!.UnwrapAsync(Read(stored), cancellationToken));
            }

            if (latest == 0)
            {
                await CreateAsync(_wrapper!, 1, cancellationToken);
                latest = 1;
            }

            _active = latest;
            _checkedAt = _time.GetUtcNow();
            return latest;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stores a new random key as <paramref name="generation"/> unless another process did first (theirs is kept).</summary>
    private async Task<WrappedKey> CreateAsync(IKeyWrapper wrapper, int generation, CancellationToken cancellationToken)
    {
        var key = RandomNumberGenerator.GetBytes(KeySize);
        var stored = Read(await _store.AddOnceAsync(RecordId(generation), Write(await wrapper.WrapAsync(key, cancellationToken)), cancellationToken));
        _open[generation] = await wrapper.UnwrapAsync(stored, cancellationToken);
        return stored;
    }

    private async ValueTask<byte[]> GenerationAsync(int generation, CancellationToken cancellationToken)
    {
        if (_open.TryGetValue(generation, out var key))
        {
            return key;
        }

        var wrapper = _wrapper ?? throw new InvalidOperationException($"A data key is wrapped by master key generation {generation}, and no key wrapper is configured to open it.");
        var stored = await _store.GetAsync(RecordId(generation), cancellationToken) ?? throw new InvalidOperationException($"Master key generation {generation} is missing.");
        return _open.GetOrAdd(generation, await wrapper.UnwrapAsync(Read(stored), cancellationToken));
    }

    private static string RecordId(int generation) => RecordPrefix + generation.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] Write(WrappedKey key) => JsonSerializer.SerializeToUtf8Bytes(new Record(key.KeyId, key.Value));

    private static WrappedKey Read(byte[] stored) =>
        JsonSerializer.Deserialize<Record>(stored) is { KeyId: { } keyId, Value: { } value } ? new WrappedKey(keyId, value) : throw new InvalidDataException("A master key record is malformed.");

    private static byte[] SealWith(byte[] master, string id, byte[] dataKey)
    {
        using var aes = Sealing.Cipher(master);
        return Sealing.Seal(aes, Associated(id), dataKey);
    }

    private static byte[] OpenWith(byte[] master, string id, byte[] sealedKey)
    {
        using var aes = Sealing.Cipher(master);
        return Sealing.Open(aes, Associated(id), sealedKey);
    }

    private static byte[] Associated(string id) => Encoding.UTF8.GetBytes("cdp-data-key\n" + id);

    private static InvalidOperationException NoKey(string id) =>
        new($"'{id}' holds encrypted data but no master key is configured (a key wrapper, or {PrivacyOptions.Section}:MasterKey).");

    private sealed record Record(string? KeyId, byte[]? Value);
}

/// <summary>A rotation's outcome: the new generation, the key version that wraps it, and how many older generations' records were rewrapped.</summary>
public sealed record MasterKeyRotation(int Generation, string KeyId, int RecordsRewrapped);

/// <summary>
/// One page of a rewrap: the latest generation, the data keys rewrapped onto it, those already on it, those changed or
/// shredded meanwhile (left alone), and where the next page starts (null: the pass is done).
/// </summary>
public sealed record MasterKeyRewrap(int Generation, int Rewrapped, int Current, int Skipped, string? Next);
