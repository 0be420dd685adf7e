using System.Buffers.Binary;
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
    private RecordLayerCipher? _last;

    /// <summary>Record layers (one per negotiated AES-GCM epoch) sealed by OpenSSL so far.</summary>
    public int OpenSslCiphers => Volatile.Read(ref _openSslCiphers);

    /// <summary>
    /// The application data of the epoch the handshake ended in, sealed and opened by <see cref="DtlsAeadRecords"/>
    /// with this epoch's keys: null unless exactly one AES-GCM record layer was made here (a DTLS 1.2 handshake without
    /// renegotiation, which BouncyCastle's DTLS does not do) and BouncyCastle has sent a record in it (its Finished).
    /// Call once the handshake returned, on the thread that then owns the record layer.
    /// </summary>
    internal DtlsAeadRecords? CreateApplicationRecords() =>
        OpenSslCiphers == 1 && _last is { } cipher ? cipher.CreateApplicationRecords() : null;

    /// <summary>
    /// The sequence number after the last record BouncyCastle sealed in that epoch (see <see
    /// cref="DtlsAeadRecords.SkipWriteSequenceTo"/>).
    /// </summary>
    internal long NextWriteSequence => _last?.NextWriteSequence ?? 0;

    protected override TlsAeadCipher CreateCipher_Aes_Gcm(TlsCryptoParameters cryptoParams, int cipherKeySize, int macSize)
    {
        if (!OpenSslAesGcmCipher.IsAvailable || macSize != AesGcmCiphers.TagLength)
        {
            return base.CreateCipher_Aes_Gcm(cryptoParams, cipherKeySize, macSize);
        }

        Interlocked.Increment(ref _openSslCiphers);
        var encrypt = new RecordCipher(encrypting: true);
        return _last = new RecordLayerCipher(cryptoParams, encrypt, new RecordCipher(encrypting: false), cipherKeySize, macSize);
    }

    /// <summary>
    /// BouncyCastle's AEAD record cipher, but a DTLS 1.2 record (RFC 5288 nonce, no connection ID) is sealed into a
    /// buffer of the sending thread instead of a new array: BouncyCastle sends the record before it returns
    /// (DtlsRecordLayer.SendRecord) and keeps nothing of it. Data channels otherwise allocated about 1.3 KB per record.
    /// </summary>
    private sealed class RecordLayerCipher(TlsCryptoParameters cryptoParams, RecordCipher encrypt, RecordCipher decrypt,
        int keySize, int macSize) : TlsAeadCipher(cryptoParams, encrypt, decrypt, keySize, macSize, AEAD_GCM)
    {

        private const int ExplicitNonce = 8;

        [ThreadStatic]
        private static byte[]? t_record;

        private const long DtlsSequenceMask = (1L << 48) - 1;

        // The epoch (high 16 bits) and sequence number after the last record sealed here; -1 before the first.
        private long _nextSeqNum = -1;

        public long NextWriteSequence => Math.Max(0, Volatile.Read(ref _nextSeqNum)) & DtlsSequenceMask;

        public DtlsAeadRecords? CreateApplicationRecords()
        {
            var next = Volatile.Read(ref _nextSeqNum);
            if (next < 0 || m_record_iv_length != ExplicitNonce || m_encryptUseInnerPlaintext ||
                encrypt.Cipher is not { } write || decrypt.Cipher is not { } read)
            {
                return null;
            }

            return new DtlsAeadRecords(write, m_encryptNonce, read, m_decryptNonce, (ushort)(next >> 48), next & DtlsSequenceMask);
        }

        public override TlsEncodeResult EncodePlaintext(long seqNo, short contentType, ProtocolVersion recordVersion,
            int headerAllocation, ReadOnlySpan<byte> plaintext)
        {
            Volatile.Write(ref _nextSeqNum, seqNo + 1);
            if (m_record_iv_length != ExplicitNonce || m_encryptUseInnerPlaintext || encrypt.Cipher is not { } cipher)
            {
                return base.EncodePlaintext(seqNo, contentType, recordVersion, headerAllocation, plaintext);
            }

            // RFC 5288 §3: nonce = salt (4, from the key block) || nonce_explicit (8, the record's sequence number here,
            // as BouncyCastle does), sent before the ciphertext. RFC 5246 §6.2.3.3: additional data = seq_num || type ||
            // version || length of the plaintext (for DTLS the sequence number carries the epoch, RFC 6347 §4.1.2.1).
            var length = headerAllocation + ExplicitNonce + plaintext.Length + AesGcmCiphers.TagLength;
            var output = t_record is { } reused && reused.Length >= length ? reused : t_record = new byte[Math.Max(length, 2048)];
            Span<byte> nonce = stackalloc byte[12];
            m_encryptNonce.CopyTo(nonce);
            BinaryPrimitives.WriteInt64BigEndian(nonce[4..], seqNo);
            nonce[4..].CopyTo(output.AsSpan(headerAllocation));
            Span<byte> aad = stackalloc byte[13];
            BinaryPrimitives.WriteInt64BigEndian(aad, seqNo);
            aad[8] = (byte)contentType;
            aad[9] = (byte)recordVersion.MajorVersion;
            aad[10] = (byte)recordVersion.MinorVersion;
            BinaryPrimitives.WriteUInt16BigEndian(aad[11..], (ushort)plaintext.Length);
            var data = output.AsSpan(headerAllocation + ExplicitNonce, plaintext.Length);
            plaintext.CopyTo(data);
            cipher.Encrypt(nonce, data, output.AsSpan(headerAllocation + ExplicitNonce + plaintext.Length, AesGcmCiphers.TagLength), aad);
            return new TlsEncodeResult(output, 0, length, contentType);
        }
    }

    /// <summary>One direction of a record layer: the key once, then a nonce and a record at a time, in place.</summary>
    private sealed class RecordCipher(bool encrypting) : TlsAeadCipherImpl
    {
        private readonly byte[] _nonce = new byte[12];
        private OpenSslAesGcmCipher? _cipher;

        /// <summary>The keyed cipher, once the record layer has set the key.</summary>
        public OpenSslAesGcmCipher? Cipher => _cipher;

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
