using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Protocols.Tests.Rtp;

public class RtpHeaderExtensionTests
{
    private static (byte[] Packet, RtpHeader Header) Finish(byte[] packet, ref RtpHeaderExtensionWriter writer)
    {
        Assert.True(writer.TryComplete(out int written));
        Assert.Equal(0, written % 4);
        Assert.True(RtpHeader.TryRead(packet.AsSpan(0, 12 + written), out var header, out int consumed));
        Assert.Equal(12 + written, consumed);
        return (packet[..consumed], header);
    }

    private static byte[] NewPacket()
    {
        var packet = new byte[128];
        Assert.True(new RtpHeader { Extension = true, PayloadType = 96 }.TryWrite(packet, out _));
        return packet;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MidAbsSendTimeAndTransportSequence_RoundTrip(bool twoByte)
    {
        var buffer = NewPacket();
        var writer = new RtpHeaderExtensionWriter(buffer.AsSpan(12), twoByte);
        Assert.True(writer.TryAddMid(1, "video0"));
        Assert.True(writer.TryAddAbsSendTime(3, TimeSpan.FromSeconds(1.5)));
        Assert.True(writer.TryAddTransportSequenceNumber(5, 0xBEEF));
        var (packet, header) = Finish(buffer, ref writer);

        Assert.Equal(twoByte ? 0x1000 : 0xBEDE, header.ExtensionProfile);
        Assert.True(RtpHeaderExtensionReader.TryFind(packet, header, 1, out var mid));
        Assert.Equal("video0"u8.ToArray(), mid.ToArray());
        Assert.True(RtpHeaderExtensionReader.TryFind(packet, header, 3, out var abs));
        Assert.Equal(new byte[] { 0x06, 0x00, 0x00 }, abs.ToArray()); // 1.5 s = 0x060000 in 6.18
        Assert.True(RtpHeaderExtensionReader.TryFind(packet, header, 5, out var twcc));
        Assert.Equal(new byte[] { 0xBE, 0xEF }, twcc.ToArray());
        Assert.False(RtpHeaderExtensionReader.TryFind(packet, header, 7, out _));
    }

    [Fact]
    public void TwoByteForm_AllowsLargeIdsAndEmptyValues()
    {
        var buffer = NewPacket();
        var writer = new RtpHeaderExtensionWriter(buffer.AsSpan(12), twoByte: true);
        Assert.True(writer.TryAdd(200, []));
        Assert.True(writer.TryAdd(201, new byte[40]));
        var (packet, header) = Finish(buffer, ref writer);

        Assert.True(RtpHeaderExtensionReader.TryFind(packet, header, 200, out var empty));
        Assert.True(empty.IsEmpty);
        Assert.True(RtpHeaderExtensionReader.TryFind(packet, header, 201, out var big));
        Assert.Equal(40, big.Length);
    }

    [Fact]
    public void MidRejectsNonAsciiAndTooLong()
    {
        var writer = new RtpHeaderExtensionWriter(new byte[64]);
        Assert.False(writer.TryAddMid(1, "é"));
        Assert.False(writer.TryAddMid(1, new string('a', 17)));
        Assert.False(writer.TryAddMid(1, ""));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(15, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 17)]
    public void OneByteForm_RejectsInvalidIdOrLength(int id, int length)
    {
        var writer = new RtpHeaderExtensionWriter(new byte[64]);
        Assert.False(writer.TryAdd(id, new byte[length]));
    }

    [Fact]
    public void Complete_WithoutElements_ReturnsFalse()
    {
        var writer = new RtpHeaderExtensionWriter(new byte[64]);
        Assert.False(writer.TryComplete(out _));
    }

    [Theory]
    [InlineData("BEDE0001" + "F0000000")] // id 15 stops parsing
    [InlineData("BEDE0001" + "1F000000")] // length 16 overruns the block
    [InlineData("10000001" + "01050000")] // two-byte length overruns
    [InlineData("12340001" + "10AA0000")] // unknown profile
    public void Reader_MalformedBlocks_ReturnFalse(string extension)
    {
        var packet = Convert.FromHexString("90600001" + "00000000" + "00000000" + extension);
        Assert.True(RtpHeader.TryRead(packet, out var header, out _));
        Assert.False(RtpHeaderExtensionReader.TryFind(packet, header, 1, out _));
    }

    [Theory]
    [InlineData(0.0, 0u)]
    [InlineData(1.0, 0x040000u)]
    [InlineData(63.999996185302734375, 0xFFFFFFu)]
    [InlineData(64.0, 0u)]
    public void AbsSendTime_Is6Point18FixedPointModulo64Seconds(double seconds, uint expected)
    {
        Assert.Equal(expected, RtpHeaderExtensionWriter.ToAbsSendTime(TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond))) & 0xFFFFFF, new ToleranceComparer(1));
    }

    private sealed class ToleranceComparer(uint tolerance) : IEqualityComparer<uint>
    {
        public bool Equals(uint x, uint y) => Math.Min((x - y) & 0xFFFFFF, (y - x) & 0xFFFFFF) <= tolerance;

        public int GetHashCode(uint obj) => 0;
    }
}
