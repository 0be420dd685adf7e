using System.Security.Cryptography;

namespace EmsSharp.Protocols.Srtp;

/// <summary>The SRTP key derivation function: AES-CM used as a PRF (RFC 3711 §4.3).</summary>
internal static class SrtpKeyDerivation
{
    // RFC 3711 §4.3.2: key derivation labels.
    public const byte RtpEncryptionLabel = 0x00;
    public const byte RtpAuthenticationLabel = 0x01;
    public const byte RtpSaltLabel = 0x02;
    public const byte RtcpEncryptionLabel = 0x03;
    public const byte RtcpAuthenticationLabel = 0x04;
    public const byte RtcpSaltLabel = 0x05;

    /// <summary>
    /// Derives <paramref name="output"/>.Length bytes for <paramref name="label"/> with key_derivation_rate 0
    /// (r = 0, so key_id = label || 0^48). RFC 7714 §11 keeps this KDF for AES-GCM; its 96-bit master
    /// salt is zero-padded to 112 bits, as libsrtp (and so every browser) does.
    /// </summary>
    public static void Derive(Aes masterCipher, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> output)
    {
        // RFC 3711 §4.3.1: x = key_id XOR master_salt, key_id = label || r; IV = x * 2^16.
        Span<byte> block = stackalloc byte[16];
        Span<byte> keystream = stackalloc byte[16];
        block.Clear();
        masterSalt.CopyTo(block);
        block[7] ^= label;
        // RFC 3711 §4.3.3: the PRF is AES in counter mode, counter in the low 16 bits.
        for (int offset = 0, counter = 0; offset < output.Length; offset += 16, counter++)
        {
            block[14] = (byte)(counter >> 8);
            block[15] = (byte)counter;
            masterCipher.EncryptEcb(block, keystream, PaddingMode.None);
            int n = Math.Min(16, output.Length - offset);
            keystream[..n].CopyTo(output[offset..]);
        }
    }

    /// <summary>Creates an AES instance keyed with <paramref name="key"/> for ECB block encryption.</summary>
    public static Aes CreateAes(ReadOnlySpan<byte> key)
    {
        var aes = Aes.Create();
        aes.Key = key.ToArray();
        return aes;
    }
}
