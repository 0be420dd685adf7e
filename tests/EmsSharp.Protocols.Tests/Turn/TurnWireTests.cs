using System.Text;
using EmsSharp.Protocols.Stun;
using EmsSharp.Protocols.Turn;

namespace EmsSharp.Protocols.Tests.Turn;

/// <summary>Long-term credential vectors, ChannelData framing and the stream framing.</summary>
public sealed class TurnWireTests
{
    // RFC 5769 §2.4 Sample Request with Long-Term Authentication.
    private const string Rfc5769LongTermRequest =
        "00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e 00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 " +
        "e3 82 af e3 82 b9 00 00 00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 " +
        "36 34 73 41 00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00 00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 " +
        "2e 85 c9 a2 8c a8 96 66";

    private static byte[] Hex(string s) => Convert.FromHexString(s.Replace(" ", string.Empty, StringComparison.Ordinal));

    [Fact]
    public void Rfc5769_long_term_request_verifies_with_the_md5_key()
    {
        byte[] bytes = Hex(Rfc5769LongTermRequest);
        Assert.True(StunMessage.TryRead(bytes, out StunMessage? request, out _));
        Assert.Equal("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", request!.GetUsername());
        Assert.True(request.TryGetAttribute(StunAttributeType.Realm, out byte[] realm));
        Assert.Equal("example.org", Encoding.UTF8.GetString(realm));
        Assert.True(request.TryGetAttribute(StunAttributeType.Nonce, out byte[] nonce));
        Assert.Equal("f//499k954d6OL34oL9FSTvy64sA", Encoding.ASCII.GetString(nonce));
        // The RFC's password "The<U+00AD>M<U+00AA>tr<U+2168>" is "TheMatrIX" after SASLprep, which this build
        // does not implement (no NFKC under invariant globalization): the key is derived from the processed form.
        byte[] key = TurnLongTermKey.Derive(request.GetUsername()!, "example.org", "TheMatrIX");
        Assert.True(StunMessage.VerifyIntegrity(bytes, request, key));
        Assert.False(StunMessage.VerifyIntegrity(bytes, request, TurnLongTermKey.Derive(request.GetUsername()!, "example.org", "TheMatrix")));
    }

    [Fact]
    public void Long_term_key_is_md5_of_username_realm_password()
    {
        // MD5("user:realm:pass"), computed independently (coreutils md5sum).
        Assert.Equal("8493fbc53ba582fb4c044c456bdc40eb", Convert.ToHexStringLower(TurnLongTermKey.Derive("user", "realm", "pass")));
    }

    [Fact]
    public void Message_integrity_sha256_round_trips_and_detects_tampering()
    {
        byte[] key = TurnLongTermKey.Derive("user", "realm", "pass");
        StunMessage message = new(StunClass.Request, TurnMethod.Refresh, new byte[12]) { IntegrityKey = key, UseSha256Integrity = true, AddFingerprint = true };
        message.AddUsername("user");
        byte[] bytes = message.ToArray();
        Assert.True(StunMessage.TryRead(bytes, out StunMessage? parsed, out _));
        Assert.True(StunMessage.VerifyIntegritySha256(bytes, parsed!, key));
        Assert.False(StunMessage.VerifyIntegrity(bytes, parsed!, key));
        bytes[25] ^= 1;
        Assert.True(StunMessage.TryRead(bytes, out parsed, out _));
        Assert.False(StunMessage.VerifyIntegritySha256(bytes, parsed!, key));
    }

    [Theory]
    [InlineData(false, 7)]
    [InlineData(true, 8)]
    public void Channel_data_round_trips(bool padded, int length)
    {
        byte[] buffer = new byte[16];
        Assert.True(TurnChannelData.TryWrite(buffer, 0x4abc, [1, 2, 3], padded, out int written));
        Assert.Equal(length, written);
        Assert.True(TurnChannelData.TryRead(buffer.AsSpan(0, written), out ushort channel, out ReadOnlySpan<byte> payload, out int consumed));
        Assert.Equal(0x4abc, channel);
        Assert.Equal(new byte[] { 1, 2, 3 }, payload.ToArray());
        Assert.Equal(7, consumed);
    }

    [Theory]
    [InlineData("40 00 00 05 01 02 03")] // shorter than declared
    [InlineData("3f ff 00 00")] // below the channel range
    [InlineData("80 00 00 00")] // not ChannelData
    [InlineData("40 00")]
    public void Malformed_channel_data_is_refused(string hex) =>
        Assert.False(TurnChannelData.TryRead(Hex(hex), out _, out _, out _));

    [Theory]
    [InlineData("00 01 00 08 21 12 a4 42", TurnFrameStatus.Complete, 28)]
    [InlineData("00 01 00 08 21 12", TurnFrameStatus.NeedMore, 0)]
    [InlineData("00 01 00 09 21 12 a4 42", TurnFrameStatus.Invalid, 0)] // not a multiple of 4
    [InlineData("00 01 08 00 21 12 a4 42", TurnFrameStatus.Invalid, 0)] // over the maximum
    [InlineData("00 01 00 08 21 12 a4 43", TurnFrameStatus.Invalid, 0)] // no magic cookie
    [InlineData("40 00 00 05", TurnFrameStatus.Complete, 12)] // padded to 4 (RFC 8656 §12.5)
    [InlineData("40 00 05 dd", TurnFrameStatus.Invalid, 0)] // 1501 > the payload maximum
    [InlineData("80 00 00 00", TurnFrameStatus.Invalid, 0)]
    [InlineData("40 00", TurnFrameStatus.NeedMore, 0)]
    public void Stream_framing_checks_declared_lengths(string hex, TurnFrameStatus status, int length)
    {
        Assert.Equal(status, TurnStreamFraming.TryGetFrameLength(Hex(hex), out int frameLength));
        Assert.Equal(length, frameLength);
    }
}
