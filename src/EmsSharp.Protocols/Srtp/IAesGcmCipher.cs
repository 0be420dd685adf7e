namespace EmsSharp.Protocols.Srtp;

/// <summary>
/// AES-GCM with a 12-byte nonce and a 16-byte tag, in place, for one key (RFC 7714 uses nothing else). Not
/// thread-safe: a transform belongs to one SRTP context, which one session drives.
/// </summary>
internal interface IAesGcmCipher : IDisposable
{
    /// <summary>Encrypts <paramref name="data"/> in place and writes the tag over <paramref name="aad"/> and the ciphertext to <paramref name="tag"/>.</summary>
    void Encrypt(ReadOnlySpan<byte> nonce, Span<byte> data, Span<byte> tag, ReadOnlySpan<byte> aad);

    /// <summary>Checks the tag and decrypts <paramref name="data"/> in place; false, with <paramref name="data"/> zeroed, if forged.</summary>
    bool TryDecrypt(ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad);
}
