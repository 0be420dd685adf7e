namespace EmsSharp.Protocols.Srtp;

/// <summary>Chooses the <see cref="IAesGcmCipher"/> of this platform.</summary>
internal static class AesGcmCiphers
{
    /// <summary>Tag length of every AEAD profile of RFC 7714 (§5.2.2: 16 octets).</summary>
    public const int TagLength = 16;

    /// <summary>
    /// OpenSSL's EVP interface called directly where libcrypto 3 loads and agrees with .NET on a probe (Linux), else
    /// .NET's <see cref="System.Security.Cryptography.AesGcm"/>.
    /// </summary>
    public static IAesGcmCipher Create(ReadOnlySpan<byte> key) =>
        OpenSslAesGcmCipher.IsAvailable ? new OpenSslAesGcmCipher(key) : new DotNetAesGcmCipher(key);

    /// <summary>AES-128 or AES-256 (RFC 7714 §14: AEAD_AES_128_GCM, AEAD_AES_256_GCM).</summary>
    public static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length is not (16 or 32))
        {
            throw new ArgumentException($"an AES-GCM key is 16 or 32 bytes, not {key.Length}", nameof(key));
        }
    }

    /// <summary>A 12-byte nonce (RFC 7714 §8.1, §9.1) and a 16-byte tag.</summary>
    public static void CheckSizes(ReadOnlySpan<byte> nonce, int tagLength)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(nonce.Length, 12, nameof(nonce));
        ArgumentOutOfRangeException.ThrowIfNotEqual(tagLength, TagLength, "tag");
    }
}
