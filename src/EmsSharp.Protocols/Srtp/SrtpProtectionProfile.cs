namespace EmsSharp.Protocols.Srtp;

/// <summary>DTLS-SRTP protection profiles we implement (RFC 5764 §4.1.2, RFC 7714 §14.2).</summary>
public enum SrtpProtectionProfile : ushort
{
    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80 (0x0001): AES-128 counter mode, 80-bit HMAC-SHA1 tag.</summary>
    Aes128CmHmacSha1_80 = 0x0001,

    /// <summary>SRTP_AEAD_AES_128_GCM (0x0007): AES-128-GCM with a 16-byte tag.</summary>
    AeadAes128Gcm = 0x0007,
}
