using EmsSharp.Protocols.Srtp;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>
/// BouncyCastle's TLS crypto with the DTLS records of the AES-GCM suites (RFC 5288) sealed by OpenSSL through
/// <see cref="OpenSslAesGcmCipher"/>, where it is available; everything else stays BouncyCastle's. Its own GCM re-keys
/// AES and rebuilds its multiplication tables for every record (BcTlsAeadCipherImpl.Init passes the key each time),
/// which is most of a data channel's cost per byte.
/// </summary>
internal sealed class OpenSslTlsCrypto(SecureRandom random) : BcTlsCrypto(random)
{
    private int _openSslCiphers;

    /// <summary>Record layers (one per negotiated AES-GCM epoch) sealed by OpenSSL so far.</summary>
    public int OpenSslCiphers => Volatile.Read(ref _openSslCiphers);

    protected override TlsAeadCipher CreateCipher_Aes_Gcm(TlsCryptoParameters cryptoParams, int cipherKeySize, int macSize)
    {
        if (!OpenSslAesGcmCipher.IsAvailable || macSize != AesGcmCiphers.TagLength)
        {
            return base.CreateCipher_Aes_Gcm(cryptoParams, cipherKeySize, macSize);
        }

        Interlocked.Increment(ref _openSslCiphers);
        return new TlsAeadCipher(cryptoParams, new RecordCipher(encrypting: true), new RecordCipher(encrypting: false),
            cipherKeySize, macSize, TlsAeadCipher.AEAD_GCM);
    }

    /// <summary>One direction of a record layer: the key once, then a nonce and a record at a time, in place.</summary>
    private sealed class RecordCipher(bool encrypting) : TlsAeadCipherImpl
    {
        private readonly byte[] _nonce = new byte[12];
        private OpenSslAesGcmCipher? _cipher;

        public void SetKey(byte[] key, int keyOff, int keyLen) => SetKey(key.AsSpan(keyOff, keyLen));

        public void SetKey(ReadOnlySpan<byte> key)
        {
            _cipher?.Dispose();
            _cipher = new OpenSslAesGcmCipher(key);
        }

        public void Init(byte[] nonce, int macSize, byte[] additionalData)
        {
            // RFC 5288 §3: a 4-byte salt and the 8-byte explicit nonce; the associated data comes with DoFinal.
            if (nonce.Length != _nonce.Length || macSize != AesGcmCiphers.TagLength || additionalData is { Length: > 0 })
            {
                throw new TlsFatalAlert(AlertDescription.internal_error);
            }

            nonce.CopyTo(_nonce, 0);
        }

        public int GetOutputSize(int inputLength) =>
            encrypting ? inputLength + AesGcmCiphers.TagLength : Math.Max(0, inputLength - AesGcmCiphers.TagLength);

        public int DoFinal(byte[] input, int inputOffset, int inputLength, byte[] output, int outputOffset) =>
            DoFinal([], input, inputOffset, inputLength, output, outputOffset);

        public int DoFinal(byte[] additionalData, byte[] input, int inputOffset, int inputLength, byte[] output,
            int outputOffset)
        {
            var cipher = _cipher ?? throw new TlsFatalAlert(AlertDescription.internal_error);
            var aad = additionalData ?? [];
            if (encrypting)
            {
                var data = output.AsSpan(outputOffset, inputLength);
                input.AsSpan(inputOffset, inputLength).CopyTo(data);
                cipher.Encrypt(_nonce, data, output.AsSpan(outputOffset + inputLength, AesGcmCiphers.TagLength), aad);
                return inputLength + AesGcmCiphers.TagLength;
            }

            var length = inputLength - AesGcmCiphers.TagLength;
            if (length < 0)
            {
                throw new TlsFatalAlert(AlertDescription.bad_record_mac);
            }

            // Copy the tag out first: in place, the plaintext is written where the ciphertext was.
            Span<byte> tag = stackalloc byte[AesGcmCiphers.TagLength];
            input.AsSpan(inputOffset + length, AesGcmCiphers.TagLength).CopyTo(tag);
            var plain = output.AsSpan(outputOffset, length);
            input.AsSpan(inputOffset, length).CopyTo(plain);
            return cipher.TryDecrypt(_nonce, plain, tag, aad) ? length : throw new TlsFatalAlert(AlertDescription.bad_record_mac);
        }

        public void Reset()
        {
        }
    }
}
