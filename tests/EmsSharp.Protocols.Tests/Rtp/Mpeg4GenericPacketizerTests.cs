using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Protocols.Tests.Rtp;

public class Mpeg4GenericPacketizerTests
{
    [Fact]
    public void A_small_access_unit_is_one_packet_with_one_au_header_and_the_marker()
    {
        byte[] au = [0x21, 0x10, 0x05, 0x00];
        Assert.True(Mpeg4GenericPacketizer.TryCreate(au, 1200, out var packetizer));
        var buffer = new byte[1200];
        Assert.True(packetizer.TryWriteNext(buffer, out var written, out var marker));
        Assert.True(marker);

        // RFC 3640 §3.3.6: AU-headers-length 16 bits, AU-size 4 in 13 bits, AU-Index 0 in 3 bits.
        Assert.Equal([0x00, 0x10, 0x00, 0x20, 0x21, 0x10, 0x05, 0x00], buffer[..written]);
        Assert.False(packetizer.TryWriteNext(buffer, out _, out _));
    }

    [Theory]
    [InlineData(1, 1200)]
    [InlineData(700, 1200)]
    [InlineData(1196, 1200)]
    [InlineData(1197, 1200)]
    [InlineData(3000, 500)]
    [InlineData(8191, 1200)]
    public void What_it_writes_the_depacketizer_reads_back_whole(int length, int maxPayload)
    {
        var au = new byte[length];
        new Random(length).NextBytes(au);
        Assert.True(Mpeg4GenericPacketizer.TryCreate(au, maxPayload, out var packetizer));
        var depacketizer = new Mpeg4GenericDepacketizer();
        var buffer = new byte[maxPayload];
        ushort sequence = 100;
        var packets = 0;
        while (packetizer.TryWriteNext(buffer, out var written, out var marker))
        {
            Assert.True(written <= maxPayload);
            Assert.True(depacketizer.Push(buffer.AsSpan(0, written), sequence++, 9000, marker));
            packets++;
            Assert.Equal(marker ? 1 : 0, depacketizer.Count);
        }

        Assert.Equal((length + maxPayload - 5) / (maxPayload - 4), packets);
        Assert.Equal(au, depacketizer.GetAccessUnit(0).ToArray());
    }

    [Theory]
    [InlineData(0, 1200)] // nothing to send
    [InlineData(8192, 1200)] // AU-size has 13 bits (RFC 3640 §3.3.6)
    [InlineData(100, 4)] // no room for data behind the AU Header Section
    public void What_cannot_be_described_is_refused(int length, int maxPayload) =>
        Assert.False(Mpeg4GenericPacketizer.TryCreate(new byte[length], maxPayload, out _));

    [Fact]
    public void A_destination_too_small_is_refused_without_writing()
    {
        Assert.True(Mpeg4GenericPacketizer.TryCreate(new byte[100], 1200, out var packetizer));
        Assert.False(packetizer.TryWriteNext(new byte[50], out var written, out _));
        Assert.Equal(0, written);
    }
}
