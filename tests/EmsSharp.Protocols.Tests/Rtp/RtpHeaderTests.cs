using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Protocols.Tests.Rtp;

public class RtpHeaderTests
{
    public static TheoryData<bool, bool, byte, ushort, uint, uint> RoundTrips => new()
    {
        { false, false, 0, 0, 0, 0 },
        { true, false, 96, 65535, uint.MaxValue, 0xDEADBEEF },
        { false, true, 111, 1234, 90000, 1 },
        { true, true, 127, 32768, 0x80000000, 0x12345678 },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void WriteThenRead_RoundTrips(bool marker, bool padding, byte payloadType, ushort sequence, uint timestamp, uint ssrc)
    {
        var header = new RtpHeader
        {
            Marker = marker,
            Padding = padding,
            PayloadType = payloadType,
            SequenceNumber = sequence,
            Timestamp = timestamp,
            Ssrc = ssrc,
        };
        var buffer = new byte[header.GetSerializedLength()];

        Assert.True(header.TryWrite(buffer, out int written));
        Assert.True(RtpHeader.TryRead(buffer, out var parsed, out int consumed));

        Assert.Equal(12, written);
        Assert.Equal(12, consumed);
        Assert.Equal(header, parsed);
    }

    [Fact]
    public void Read_CsrcsAndExtension_GivesPayloadOffset()
    {
        // V=2 X=1 CC=2, PT 96, two CSRCs, one-byte extension of one word, 3 payload bytes.
        var packet = Convert.FromHexString("92600001" + "00000010" + "00000020" + "00000001" + "00000002" + "BEDE0001" + "10AA0000" + "010203");

        Assert.True(RtpHeader.TryRead(packet, out var header, out int consumed));

        Assert.Equal(2, header.CsrcCount);
        Assert.True(header.Extension);
        Assert.Equal(0xBEDE, header.ExtensionProfile);
        Assert.Equal(24, header.ExtensionOffset);
        Assert.Equal(4, header.ExtensionLength);
        Assert.Equal(28, consumed);
        Assert.True(RtpHeader.TryGetPayload(packet, header, consumed, out var payload));
        Assert.Equal(new byte[] { 1, 2, 3 }, payload.ToArray());
    }

    [Fact]
    public void Payload_StripsPadding()
    {
        var packet = Convert.FromHexString("A0600001" + "00000000" + "00000000" + "AABB" + "000003");
        Assert.True(RtpHeader.TryRead(packet, out var header, out int consumed));
        Assert.True(RtpHeader.TryGetPayload(packet, header, consumed, out var payload));
        Assert.Equal(new byte[] { 0xAA, 0xBB }, payload.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("8060000100000000000000")] // 11 bytes
    [InlineData("006000010000000000000000")] // version 0
    [InlineData("C06000010000000000000000")] // version 3
    [InlineData("816000010000000000000000")] // CSRC count 1, no CSRC
    [InlineData("90600001000000000000000000")] // X without extension header
    [InlineData("906000010000000000000000BEDE0002AAAAAAAA")] // extension longer than packet
    public void Read_Malformed_ReturnsFalse(string hex)
    {
        Assert.False(RtpHeader.TryRead(Convert.FromHexString(hex), out _, out _));
    }

    [Theory]
    [InlineData("A06000010000000000000000")] // padding bit, no payload
    [InlineData("A0600001000000000000000000")] // padding count 0
    [InlineData("A0600001000000000000000005")] // padding longer than payload
    public void Payload_BadPadding_ReturnsFalse(string hex)
    {
        var packet = Convert.FromHexString(hex);
        Assert.True(RtpHeader.TryRead(packet, out var header, out int consumed));
        Assert.False(RtpHeader.TryGetPayload(packet, header, consumed, out _));
    }

    [Fact]
    public void Write_RejectsCsrcsSmallBufferAndBadPayloadType()
    {
        Assert.False(new RtpHeader { CsrcCount = 1 }.TryWrite(new byte[12], out _));
        Assert.False(new RtpHeader().TryWrite(new byte[11], out _));
        Assert.False(new RtpHeader { PayloadType = 128 }.TryWrite(new byte[12], out _));
    }
}
