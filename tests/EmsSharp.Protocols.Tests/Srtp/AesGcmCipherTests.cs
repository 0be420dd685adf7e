using System.Security.Cryptography;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Tests.Srtp;

/// <summary>
/// The two AES-GCM ciphers SRTP can run on: OpenSSL's EVP interface called directly, and .NET's AesGcm. They must
/// agree byte for byte, refuse what is forged, and keep working after a refusal (a context is reused per packet).
/// </summary>
public sealed class AesGcmCipherTests
{
    public static TheoryData<string> Ciphers => ["openssl", "dotnet"];

    [Fact]
    public void OpenSsl_is_what_srtp_uses_on_linux()
    {
        // CI and the reference machine are Linux with libcrypto 3; a silent fallback there would hide a regression.
        Assert.True(OperatingSystem.IsLinux(), "these tests run on Linux");
        Assert.True(OpenSslAesGcmCipher.IsAvailable);
        using var cipher = AesGcmCiphers.Create(new byte[16]);
        Assert.IsType<OpenSslAesGcmCipher>(cipher);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void Both_ciphers_give_the_same_ciphertext_and_tag_and_open_each_others(int keyLength)
    {
        var random = new Random(keyLength);
        var key = new byte[keyLength];
        random.NextBytes(key);
        using var openSsl = new OpenSslAesGcmCipher(key);
        using var dotNet = new DotNetAesGcmCipher(key);
        foreach (var length in new[] { 0, 1, 15, 16, 17, 72, 1200, 1500 })
        {
            foreach (var aadLength in new[] { 0, 12, 20 })
            {
                var nonce = new byte[12];
                var aad = new byte[aadLength];
                var plain = new byte[length];
                random.NextBytes(nonce);
                random.NextBytes(aad);
                random.NextBytes(plain);
                var a = plain.ToArray();
                var b = plain.ToArray();
                var tagA = new byte[16];
                var tagB = new byte[16];
                openSsl.Encrypt(nonce, a, tagA, aad);
                dotNet.Encrypt(nonce, b, tagB, aad);
                Assert.Equal(b, a);
                Assert.Equal(tagB, tagA);
                Assert.True(dotNet.TryDecrypt(nonce, a, tagA, aad));
                Assert.Equal(plain, a);
                Assert.True(openSsl.TryDecrypt(nonce, b, tagB, aad));
                Assert.Equal(plain, b);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Ciphers))]
    public void Forged_packets_are_refused_zeroed_and_the_next_good_one_still_opens(string name)
    {
        var key = RandomNumberGenerator.GetBytes(16);
        using var cipher = Create(name, key);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var aad = RandomNumberGenerator.GetBytes(12);
        var plain = RandomNumberGenerator.GetBytes(200);
        var sealedData = plain.ToArray();
        var tag = new byte[16];
        cipher.Encrypt(nonce, sealedData, tag, aad);

        foreach (var forge in new Action<byte[], byte[], byte[]>[]
                 {
                     (data, t, a) => data[5] ^= 1,
                     (data, t, a) => t[15] ^= 0x80,
                     (data, t, a) => a[0] ^= 1,
                 })
        {
            var data = sealedData.ToArray();
            var t = tag.ToArray();
            var a = aad.ToArray();
            forge(data, t, a);
            Assert.False(cipher.TryDecrypt(nonce, data, t, a));
            Assert.All(data, b => Assert.Equal(0, b));

            var good = sealedData.ToArray();
            Assert.True(cipher.TryDecrypt(nonce, good, tag, aad));
            Assert.Equal(plain, good);
        }
    }

    [Theory]
    [MemberData(nameof(Ciphers))]
    public void Keys_and_nonces_of_the_wrong_size_are_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => Create(name, new byte[15]).Dispose());
        using var cipher = Create(name, new byte[16]);
        Assert.Throws<ArgumentOutOfRangeException>(() => cipher.Encrypt(new byte[8], new byte[4], new byte[16], []));
    }

    private static IAesGcmCipher Create(string name, byte[] key) =>
        name == "openssl" ? new OpenSslAesGcmCipher(key) : new DotNetAesGcmCipher(key);
}
