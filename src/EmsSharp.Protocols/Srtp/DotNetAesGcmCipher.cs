using System.Security.Cryptography;

namespace EmsSharp.Protocols.Srtp;

/// <summary><see cref="IAesGcmCipher"/> on .NET's <see cref="AesGcm"/>: every platform, the fallback.</summary>
internal sealed class DotNetAesGcmCipher : IAesGcmCipher
{
    private readonly AesGcm _gcm;

    public DotNetAesGcmCipher(ReadOnlySpan<byte> key)
    {
        AesGcmCiphers.CheckKey(key);
        _gcm = new AesGcm(key, AesGcmCiphers.TagLength);
    }

    public void Encrypt(ReadOnlySpan<byte> nonce, Span<byte> data, Span<byte> tag, ReadOnlySpan<byte> aad)
    {
        AesGcmCiphers.CheckSizes(nonce, tag.Length);
        _gcm.Encrypt(nonce, data, data, tag, aad);
    }

    public bool TryDecrypt(ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        AesGcmCiphers.CheckSizes(nonce, tag.Length);
        try
        {
            _gcm.Decrypt(nonce, data, tag, data, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose() => _gcm.Dispose();
}
