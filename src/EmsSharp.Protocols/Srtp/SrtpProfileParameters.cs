namespace EmsSharp.Protocols.Srtp;

/// <summary>Key, salt and tag sizes of a protection profile (RFC 5764 §4.1.2, RFC 7714 §14.2).</summary>
internal static class SrtpProfileParameters
{
    public const int MasterKeyLength = 16;

    public static bool IsSupported(ushort profileId) =>
        profileId is (ushort)SrtpProtectionProfile.Aes128CmHmacSha1_80 or (ushort)SrtpProtectionProfile.AeadAes128Gcm;

    /// <summary>Master salt length: 112 bits for AES-CM, 96 bits for AES-GCM.</summary>
    public static int MasterSaltLength(SrtpProtectionProfile profile) =>
        profile == SrtpProtectionProfile.AeadAes128Gcm ? 12 : 14;
}
