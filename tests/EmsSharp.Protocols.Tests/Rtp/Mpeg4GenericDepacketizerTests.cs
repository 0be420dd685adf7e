using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Protocols.Tests.Rtp;

public class Mpeg4GenericDepacketizerTests
{
    // RFC 3640 §3.3.6 AAC-hbr: 16-bit AU-headers-length, then per AU 13-bit size + 3-bit index(-delta) = 2 bytes.
    private static byte[] Packet(params byte[][] units)
    {
        var header = new List<byte> { 0, (byte)(16 * units.Length) };
        header[0] = (byte)((16 * units.Length) >> 8);
        header[1] = (byte)(16 * units.Length);
        foreach (var unit in units)
        {
            header.Add((byte)(unit.Length >> 5));
            header.Add((byte)((unit.Length & 0x1F) << 3));
        }

        foreach (var unit in units)
        {
            header.AddRange(unit);
        }

        return [.. header];
    }

    private static byte[] Fragment(int totalSize, byte[] part) =>
        [0, 16, (byte)(totalSize >> 5), (byte)((totalSize & 0x1F) << 3), .. part];

    [Fact]
    public void One_access_unit_per_packet()
    {
        var depacketizer = new Mpeg4GenericDepacketizer();
        Assert.True(depacketizer.Push(Packet([1, 2, 3]), 10, 1000, marker: true));
        Assert.Equal(1, depacketizer.Count);
        Assert.Equal([1, 2, 3], depacketizer.GetAccessUnit(0).ToArray());
        Assert.Equal(1000u, depacketizer.GetTimestamp(0));
    }

    [Fact]
    public void Several_access_units_get_consecutive_frame_timestamps()
    {
        var depacketizer = new Mpeg4GenericDepacketizer();
        Assert.True(depacketizer.Push(Packet([1], [2, 2], [3, 3, 3]), 1, 0xFFFF_FC00, marker: true));
        Assert.Equal(3, depacketizer.Count);
        Assert.Equal([3, 3, 3], depacketizer.GetAccessUnit(2).ToArray());
        Assert.Equal(0xFFFF_FC00u, depacketizer.GetTimestamp(0));
        Assert.Equal(0u, depacketizer.GetTimestamp(1)); // §3.2.1 + 1024 samples, wrapping
        Assert.Equal(1024u, depacketizer.GetTimestamp(2));
    }

    [Fact]
    public void A_fragmented_access_unit_completes_at_the_marker()
    {
        // RFC 3640 §3.2.3: every fragment carries one AU-header with the whole AU size.
        var unit = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        var depacketizer = new Mpeg4GenericDepacketizer();
        Assert.True(depacketizer.Push(Fragment(3000, unit[..1400]), 5, 9000, marker: false));
        Assert.Equal(0, depacketizer.Count);
        Assert.True(depacketizer.Push(Fragment(3000, unit[1400..2800]), 6, 9000, marker: false));
        Assert.True(depacketizer.Push(Fragment(3000, unit[2800..]), 7, 9000, marker: true));
        Assert.Equal(1, depacketizer.Count);
        Assert.Equal(unit, depacketizer.GetAccessUnit(0).ToArray());
    }

    [Fact]
    public void A_lost_fragment_drops_the_access_unit_and_counts()
    {
        var unit = new byte[3000];
        var depacketizer = new Mpeg4GenericDepacketizer();
        Assert.True(depacketizer.Push(Fragment(3000, unit[..1400]), 5, 9000, marker: false));
        depacketizer.Push(Fragment(3000, unit[2800..]), 7, 9000, marker: true);
        Assert.Equal(0, depacketizer.Count);
        Assert.Equal(1, depacketizer.LostPackets);
        Assert.True(depacketizer.Push(Packet([9]), 8, 10024, marker: true));
        Assert.Equal(1, depacketizer.Count);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "empty", [] },
        { "one byte", [0] },
        { "zero header bits", [0, 0, 1, 2] },
        { "headers past the end", [0, 32, 0, 8] },
        { "sizes past the data", [0, 32, 0, 16, 0, 16, 1, 2] },
        { "interleaved index", [0, 16, 0, 9, 1] },
        { "size over the maximum", [0, 16, 0xFF, 0xF8, 1] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_payloads_are_refused(string name, byte[] payload)
    {
        var depacketizer = new Mpeg4GenericDepacketizer(maxAccessUnitSize: 4096);
        Assert.False(depacketizer.Push(payload, 1, 0, marker: true), name);
        Assert.Equal(0, depacketizer.Count);
    }
}
