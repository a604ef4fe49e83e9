using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cdp.Core.Profiles;
using Microsoft.Extensions.Options;

namespace Cdp.Core.Privacy;

/// <summary>
/// Personal data at rest: the values of personal traits (<see cref="PrivacyOptions.PersonalTraits"/>, with their kept
/// history) and of personal identifier types in a stored profile are encrypted with AES-256-GCM under the profile's
/// own data key, bound to the profile and field (associated data), as <c>enc:v1:{base64url(nonce|ciphertext|tag)}</c>.
/// Data keys are random, wrapped by a master key (<see cref="MasterKeys"/>) and kept in <see cref="IDataKeyStore"/>; an erasure
/// deletes them (<see cref="ShredAsync"/>), after which every copy of those values — backups, replicas, a document
/// read before — stays unreadable. Profile stores call <see cref="ProtectAsync"/> before writing and
/// <see cref="UnprotectAsync"/> after reading; the domain sees clear values. Without a master key, nothing is encrypted.
/// </summary>
public sealed class PersonalDataProtector
{
    /// <summary>How an encrypted value starts.</summary>
    public const string Prefix = "enc:v1:";

    private const int KeySize = 32;
    private const int MaxCachedKeys = 100_000;

    private readonly IDataKeyStore _keys;
    private readonly MasterKeys _master;
    private readonly HashSet<string> _traits;
    private readonly HashSet<string> _identifierTypes;
    private readonly ConcurrentDictionary<string, byte[]> _cache = new(StringComparer.Ordinal);

    /// <summary>With the configured master key only (<c>Cdp:Privacy:MasterKey</c>; tests, tools).</summary>
    public PersonalDataProtector(IDataKeyStore keys, IOptions<PrivacyOptions> options)
        : this(keys, options, new MasterKeys(keys, options))
    {
    }

    public PersonalDataProtector(IDataKeyStore keys, IOptions<PrivacyOptions> options, MasterKeys masterKeys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(masterKeys);
        _keys = keys;
        _master = masterKeys;
        _traits = new HashSet<string>(options.Value.PersonalTraits, StringComparer.Ordinal);
        _identifierTypes = new HashSet<string>(options.Value.PersonalIdentifierTypes, StringComparer.Ordinal);
    }

    /// <summary>True when a master key is configured (a key wrapper, or the configured key): personal values are written encrypted.</summary>
    public bool Enabled => _master.Enabled;

    /// <summary>The document as it is stored: personal values encrypted (the profile's data key is created on first need).</summary>
    public async ValueTask<ProfileDocument> ProtectAsync(ProfileDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (!Enabled || document.Deleted || !HoldsPersonal(document))
        {
            return document;
        }

        var key = await KeyAsync(document.Id, create: true, cancellationToken) ?? throw new InvalidOperationException("A data key was not created.");
        using var aes = Sealing.Cipher(key); // one cipher for the document's values, not one per value
        return Transform(document, (field, text) => text.StartsWith(Prefix, StringComparison.Ordinal) ? text : Encrypt(aes, document.Id, field, text));
    }

    /// <summary>
    /// The document with personal values in clear. A value that does not open — its data key is gone (shredded), or it
    /// only looks encrypted (a client's string) — stays as stored.
    /// </summary>
    public async ValueTask<ProfileDocument> UnprotectAsync(ProfileDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Deleted || !HoldsEncrypted(document))
        {
            return document;
        }

        if (await KeyAsync(document.Id, create: false, cancellationToken) is not { } key)
        {
            return document;
        }

        using var aes = Sealing.Cipher(key);
        return Transform(document, (field, text) => !text.StartsWith(Prefix, StringComparison.Ordinal) ? text : TryDecrypt(aes, document.Id, field, text) ?? text);
    }

    /// <summary>Decrypts one value of a stored document; false when it cannot be (its key shredded, or it was tampered with).</summary>
    public async Task<(bool Readable, string? Text)> TryReadAsync(string profileId, string field, string stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return (true, stored);
        }

        if (await KeyAsync(profileId, create: false, cancellationToken) is not { } key)
        {
            return (false, null);
        }

        using var aes = Sealing.Cipher(key);
        return TryDecrypt(aes, profileId, field, stored) is { } text ? (true, text) : (false, null);
    }

    /// <summary>Deletes the profile's data key (crypto-shredding); false when it had none.</summary>
    public async Task<bool> ShredAsync(string profileId, CancellationToken cancellationToken)
    {
        _cache.TryRemove(profileId, out _);
        return await _keys.DeleteAsync(profileId, cancellationToken);
    }

    private bool HoldsPersonal(ProfileDocument document) =>
        document.Traits.Keys.Any(_traits.Contains) || document.Identifiers.Any(i => _identifierTypes.Contains(i.Type));

    private static bool HoldsEncrypted(ProfileDocument document) =>
        document.Identifiers.Any(i => i.Value.StartsWith(Prefix, StringComparison.Ordinal))
        || document.Traits.Values.Any(t => IsEncrypted(t.Value) || t.History?.Any(h => IsEncrypted(h.Value)) == true);

    private static bool IsEncrypted(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var text) && text.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Applies <paramref name="convert"/> (field, text → text) to every personal value: traits as JSON text, identifiers as they are.</summary>
    private ProfileDocument Transform(ProfileDocument document, Func<string, string, string> convert)
    {
        var traits = new Dictionary<string, Trait>(document.Traits.Count, StringComparer.Ordinal);
        foreach (var (name, trait) in document.Traits)
        {
            traits[name] = _traits.Contains(name) || IsEncrypted(trait.Value) ? ConvertTrait(trait, "traits." + name, convert) : trait;
        }

        var identifiers = document.Identifiers
            .Select(i => _identifierTypes.Contains(i.Type) || i.Value.StartsWith(Prefix, StringComparison.Ordinal)
                ? i with { Value = convert("identifiers." + i.Type, i.Value) }
                : i)
            .ToList();
        return document with { Traits = traits, Identifiers = identifiers };
    }

    private static Trait ConvertTrait(Trait trait, string field, Func<string, string, string> convert) => trait with
    {
        Value = ConvertValue(trait.Value, field, convert),
        History = trait.History?.Select(h => h with { Value = ConvertValue(h.Value, field, convert) }).ToList(),
    };

    /// <summary>A trait value: encrypted as its JSON text (a string value of the envelope), decrypted back to JSON.</summary>
    private static JsonNode? ConvertValue(JsonNode? value, string field, Func<string, string, string> convert)
    {
        if (value is null)
        {
            return null;
        }

        var converted = convert(field, IsEncrypted(value) ? value.GetValue<string>() : value.ToJsonString());
        return converted.StartsWith(Prefix, StringComparison.Ordinal) ? JsonValue.Create(converted) : JsonNode.Parse(converted);
    }

    private async ValueTask<byte[]?> KeyAsync(string profileId, bool create, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(profileId, out var cached))
        {
            return cached;
        }

        var wrapped = await _keys.GetAsync(profileId, cancellationToken);
        if (wrapped is null && create)
        {
            wrapped = await _keys.AddOnceAsync(profileId, await _master.WrapAsync(profileId, RandomNumberGenerator.GetBytes(KeySize), cancellationToken), cancellationToken);
        }

        if (wrapped is null)
        {
            return null;
        }

        var key = await _master.UnwrapAsync(profileId, wrapped, cancellationToken);
        if (_cache.Count >= MaxCachedKeys)
        {
            _cache.Clear();
        }

        _cache[profileId] = key;
        return key;
    }

    private static string Encrypt(AesGcm aes, string profileId, string field, string text) =>
        Prefix + Base64Url.EncodeToString(Sealing.Seal(aes, Encoding.UTF8.GetBytes(profileId + "\n" + field), Encoding.UTF8.GetBytes(text)));

    private static string Decrypt(AesGcm aes, string profileId, string field, string stored) =>
        Encoding.UTF8.GetString(Sealing.Open(aes, Encoding.UTF8.GetBytes(profileId + "\n" + field), Base64Url.DecodeFromChars(stored.AsSpan(Prefix.Length))));

    /// <summary>The clear text, or null when <paramref name="stored"/> does not open with the key (tampered with, or not ours).</summary>
    private static string? TryDecrypt(AesGcm aes, string profileId, string field, string stored)
    {
        try
        {
            return Decrypt(aes, profileId, field, stored);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}
