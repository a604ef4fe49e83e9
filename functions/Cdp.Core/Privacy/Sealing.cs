using System.Security.Cryptography;

namespace Cdp.Core.Privacy;

/// <summary>
/// AES-256-GCM as Cdp seals data at rest (personal values, data keys, destination secrets): nonce | ciphertext | tag,
/// a fresh random nonce every time, bound to what it belongs to by the associated data.
/// </summary>
public static class Sealing
{
    public const int NonceSize = 12;
    public const int TagSize = 16;

    public static AesGcm Cipher(byte[] key) => new(key, TagSize);

    public static byte[] Seal(AesGcm aes, byte[] associated, byte[] plain)
    {
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), associated);
        return sealedBytes;
    }

    public static byte[] Open(AesGcm aes, byte[] associated, byte[] sealedBytes)
    {
        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), plain, associated);
        return plain;
    }
}
