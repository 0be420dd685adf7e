namespace EmsSharp.Protocols.Dtls;

/// <summary>DTLS-SRTP protection profiles this server negotiates (RFC 5764 §4.1.2, RFC 7714 §14.2).</summary>
public static class SrtpProtectionProfile
{
    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80: 16-byte key, 14-byte salt.</summary>
    public const ushort Aes128CmHmacSha1_80 = 0x0001;

    /// <summary>SRTP_AEAD_AES_128_GCM: 16-byte key, 12-byte salt.</summary>
    public const ushort AeadAes128Gcm = 0x0007;

    /// <summary>Master key and salt lengths for a profile; false for an unknown profile.</summary>
    public static bool TryGetLengths(ushort profile, out int keyLength, out int saltLength)
    {
        (keyLength, saltLength, var known) = profile switch
        {
            Aes128CmHmacSha1_80 => (16, 14, true),
            AeadAes128Gcm => (16, 12, true),
            _ => (0, 0, false),
        };
        return known;
    }
}
