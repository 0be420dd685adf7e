using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Tests.Srtp;

public class SrtpVectorTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(string.Concat(hex.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)));

    [Fact]
    public void Rfc3711_B2_AesCmKeystream_FirstBlocksThroughSrtp()
    {
        // RFC 3711 Appendix B.2: session key, salt; SSRC 0, ROC 0, SEQ 0 — a zero payload encrypts to the keystream.
        using var context = SrtpContext.FromSessionKeys(
            SrtpProtectionProfile.Aes128CmHmacSha1_80, Hex("2B7E151628AED2A6ABF7158809CF4F3C"),
            Hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), new byte[20]);
        var packet = new byte[12 + 48 + 10];
        packet[0] = 0x80;

        Assert.True(context.TryProtectRtp(packet, 60, out int length));

        Assert.Equal(70, length);
        Assert.Equal(
            Hex("E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0"),
            packet[12..60]);
    }

    [Fact]
    public void Rfc3711_B2_AesCmKeystream_LastBlocks()
    {
        // RFC 3711 Appendix B.2: counters ...FEFF, ...FF00, ...FF01.
        using var cipher = new AesCounterModeCipher(Hex("2B7E151628AED2A6ABF7158809CF4F3C"));
        var iv = Hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
        var data = new byte[0xFF02 * 16];

        cipher.Transform(iv, data);

        Assert.Equal(Hex("EC8CDF7398607CB0F2D21675EA9EA1E4"), data[(0xFEFF * 16)..(0xFF00 * 16)]);
        Assert.Equal(Hex("362B7C3C6773516318A077D7FC5073AE"), data[(0xFF00 * 16)..(0xFF01 * 16)]);
        Assert.Equal(Hex("6A2CC3787889374FBEB4C81B17BA6C44"), data[(0xFF01 * 16)..]);
    }

    [Theory]
    [InlineData(SrtpKeyDerivation.RtpEncryptionLabel, "C61E7A93744F39EE10734AFE3FF7A087")]
    [InlineData(SrtpKeyDerivation.RtpSaltLabel, "30CBBC08863D8C85D49DB34A9AE1")]
    [InlineData(SrtpKeyDerivation.RtpAuthenticationLabel, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")]
    public void Rfc3711_B3_KeyDerivation(byte label, string expected)
    {
        // RFC 3711 Appendix B.3.
        using var master = SrtpKeyDerivation.CreateAes(Hex("E1F97A0D3E018BE0D64FA32C06DE4139"));
        var output = new byte[expected.Length / 2];

        SrtpKeyDerivation.Derive(master, Hex("0EC675AD498AFEEBB6960B3AABE6"), label, output);

        Assert.Equal(Hex(expected), output);
    }

    [Fact]
    public void AeadKeyDerivation_MatchesLibSrtp_WithZeroPaddedSalt()
    {
        // RFC 7714 has no KDF vector; libsrtp (as cross-checked by webrtc-rs) pads the 96-bit master salt
        // to 112 bits and XORs the label into octet 7. Master key 00..0f, master salt 40..4b.
        using var master = SrtpKeyDerivation.CreateAes(Hex("000102030405060708090a0b0c0d0e0f"));
        var salt = new byte[12];

        SrtpKeyDerivation.Derive(master, Hex("404142434445464748494a4b"), SrtpKeyDerivation.RtpSaltLabel, salt);

        Assert.Equal(Hex("1fcd5d561e66dc49ec1c3ccb"), salt);
    }

    [Fact]
    public void LibSrtpDriver_AesCm128HmacSha1_80_PacketFromMasterKey()
    {
        // libsrtp test/srtp_driver.c known answer: KDF + AES-CM + HMAC-SHA1 together.
        var plain = Hex("800f1234decafbadcafebabe abababababababababababababababab");
        var expected = Hex("800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb");
        using var sender = SrtpContext.FromMasterKey(
            SrtpProtectionProfile.Aes128CmHmacSha1_80, Hex("e1f97a0d3e018be0d64fa32c06de4139"), Hex("0ec675ad498afeebb6960b3aabe6"));
        using var receiver = SrtpContext.FromMasterKey(
            SrtpProtectionProfile.Aes128CmHmacSha1_80, Hex("e1f97a0d3e018be0d64fa32c06de4139"), Hex("0ec675ad498afeebb6960b3aabe6"));
        var buffer = new byte[64];
        plain.CopyTo(buffer, 0);

        Assert.True(sender.TryProtectRtp(buffer, plain.Length, out int protectedLength));
        Assert.Equal(expected, buffer[..protectedLength]);
        Assert.True(receiver.TryUnprotectRtp(buffer, protectedLength, out int plainLength));
        Assert.Equal(plain, buffer[..plainLength]);
    }

    private static readonly byte[] GcmKey = Hex("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] GcmSalt = Hex("517569642070726f2071756f");

    [Fact]
    public void Rfc7714_16_AeadAes128Gcm_SrtpPacket()
    {
        // RFC 7714 §16: SSRC 0x5501a0b2, ROC 0, SEQ 0xf17b, "Gallia est omnis divisa in partes tres".
        var plain = Hex("8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573");
        var expected = Hex(
            "8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"
            + " 899d7f27beb16a9152cf765ee4390cce");
        using var sender = SrtpContext.FromSessionKeys(SrtpProtectionProfile.AeadAes128Gcm, GcmKey, GcmSalt, []);
        using var receiver = SrtpContext.FromSessionKeys(SrtpProtectionProfile.AeadAes128Gcm, GcmKey, GcmSalt, []);
        var buffer = new byte[128];
        plain.CopyTo(buffer, 0);

        Assert.True(sender.TryProtectRtp(buffer, plain.Length, out int protectedLength));
        Assert.Equal(expected, buffer[..protectedLength]);
        Assert.True(receiver.TryUnprotectRtp(buffer, protectedLength, out int plainLength));
        Assert.Equal(plain, buffer[..plainLength]);
    }

    [Fact]
    public void Rfc7714_17_AeadAes128Gcm_SrtcpPacket()
    {
        // RFC 7714 SRTCP vector: sender report of SSRC "Mars", SRTCP index 0x5d4; trailer = tag then E||index.
        var plain = Hex(
            "81c8000d4d617273 4e5450314e5450325254502000 00042a0000e9304c756e61 deadbeefdeadbeefdeadbeefdeadbeefdeadbeef");
        var expected = Hex(
            "81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275b"
            + " c84aa45896cf4d2fc5abf87245d9eade 800005d4");
        using var sender = SrtpContext.FromSessionKeys(SrtpProtectionProfile.AeadAes128Gcm, GcmKey, GcmSalt, []);
        using var receiver = SrtpContext.FromSessionKeys(SrtpProtectionProfile.AeadAes128Gcm, GcmKey, GcmSalt, []);
        sender.SetNextRtcpIndex(0x4d617273, 0x5d4);
        var buffer = new byte[128];
        plain.CopyTo(buffer, 0);

        Assert.True(sender.TryProtectRtcp(buffer, plain.Length, out int protectedLength));
        Assert.Equal(expected, buffer[..protectedLength]);
        Assert.True(receiver.TryUnprotectRtcp(buffer, protectedLength, out int plainLength));
        Assert.Equal(plain, buffer[..plainLength]);
    }
}
