using EmsSharp.Server.Delivery.WebRtc;

namespace EmsSharp.Server.Tests.Delivery.WebRtc;

public class OggPacketReaderTests
{
    // RFC 3533 §6: "OggS", version 0, header type, granule (8), serial (4), sequence (4), CRC (4), segments, lacing.
    private static byte[] Page(byte headerType, params byte[][] segmentsOfPackets)
    {
        var lacing = new List<byte>();
        var body = new List<byte>();
        foreach (var packet in segmentsOfPackets)
        {
            var remaining = packet.Length;
            while (remaining >= 255)
            {
                lacing.Add(255);
                remaining -= 255;
            }

            lacing.Add((byte)remaining);
            body.AddRange(packet);
        }

        return [.. "OggS"u8, 0, headerType, .. new byte[8], .. new byte[] { 1, 0, 0, 0 }, .. new byte[4], .. new byte[4], (byte)lacing.Count, .. lacing, .. body];
    }

    private static List<byte[]> ReadAll(byte[] stream, int chunk)
    {
        var reader = new OggPacketReader();
        var packets = new List<byte[]>();
        for (var i = 0; i < stream.Length; i += chunk)
            reader.Append(stream.AsSpan(i, Math.Min(chunk, stream.Length - i)), p => packets.Add(p.ToArray()));
        return packets;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public void Packets_come_out_whole_and_in_order_whatever_the_chunking(int chunk)
    {
        byte[] head = [.. "OpusHead"u8, 1, 2];
        var a = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray(); // 255 + 45: two lacing values
        byte[] b = [0xF8, 1, 2, 3];
        byte[] empty = [];
        var stream = (byte[])[.. Page(2, head), .. Page(0, a, b, empty)];
        var packets = ReadAll(stream, chunk);
        Assert.Equal(4, packets.Count);
        Assert.Equal(head, packets[0]);
        Assert.Equal(a, packets[1]);
        Assert.Equal(b, packets[2]);
        Assert.Empty(packets[3]);
    }

    [Fact]
    public void A_packet_continued_on_the_next_page_is_joined()
    {
        var first = Enumerable.Repeat((byte)1, 255).ToArray();
        byte[] rest = [2, 2, 2];
        // Page 1 ends with lacing 255 (packet unfinished); page 2 has the continuation flag (RFC 3533 §6 header_type 0x01).
        var page1 = (byte[])[.. "OggS"u8, 0, 0, .. new byte[20], 1, 255, .. first]; // no terminating lacing value
        var page2 = (byte[])[.. "OggS"u8, 0, 1, .. new byte[20], 1, 3, .. rest];
        var packets = ReadAll([.. page1, .. page2], 5);
        var packet = Assert.Single(packets);
        Assert.Equal([.. first, .. rest], packet);
    }

    [Fact]
    public void Garbage_before_a_page_is_skipped_and_counted()
    {
        var reader = new OggPacketReader();
        var packets = new List<byte[]>();
        byte[] stream = [.. "junk-Ogg"u8, .. Page(0, [9, 9])];
        reader.Append(stream, p => packets.Add(p.ToArray()));
        Assert.Equal([9, 9], Assert.Single(packets));
        Assert.True(reader.MalformedPages > 0);
    }

    [Fact]
    public void An_oversized_packet_is_dropped_and_the_next_one_survives()
    {
        var big = new byte[OggPacketReader.MaxPacketLength + 10];
        var stream = (byte[])[.. Page(0, big), .. Page(0, [7])];
        var packets = ReadAll(stream, 4096);
        Assert.Equal([7], Assert.Single(packets));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { (byte)'O', (byte)'g', (byte)'g', (byte)'S', 0, 0 })]
    [InlineData(new byte[] { (byte)'O', (byte)'g', (byte)'g', (byte)'S', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void Truncated_or_malformed_input_yields_nothing_and_does_not_throw(byte[] data)
    {
        Assert.Empty(ReadAll(data, 3));
    }
}
