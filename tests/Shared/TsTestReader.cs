namespace EmsSharp.Tests.Shared;

/// <summary>
/// An independent reader of MPEG transport streams (ISO/IEC 13818-1) for tests: packets with their header and
/// adaptation field, PES packets reassembled per PID, PSI sections checked with a CRC of its own, PTS/DTS decoded.
/// </summary>
internal static class TsTestReader
{
    /// <summary>The packets of <paramref name="ts"/>; fails unless it is whole 188-byte packets, each starting with 0x47.</summary>
    public static List<TsPacket> Packets(ReadOnlySpan<byte> ts)
    {
        Assert.True(ts.Length % 188 == 0, $"{ts.Length} bytes is not a whole number of packets");
        var packets = new List<TsPacket>();
        for (var at = 0; at < ts.Length; at += 188)
        {
            var p = ts.Slice(at, 188);
            Assert.True(p[0] == 0x47, $"no sync byte at {at}");
            var control = (p[3] >> 4) & 3;
            Assert.True(control is 1 or 3, $"adaptation_field_control {control} at {at}");
            var (fieldLength, randomAccess, pcr) = (0, false, -1L);
            if (control == 3)
            {
                fieldLength = 1 + p[4];
                Assert.True(fieldLength <= 184, $"adaptation field of {fieldLength} bytes at {at}");
                if (p[4] > 0)
                {
                    randomAccess = (p[5] & 0x40) != 0;
                    if ((p[5] & 0x10) != 0)
                    {
                        pcr = ((long)p[6] << 25) | ((long)p[7] << 17) | ((long)p[8] << 9) | ((long)p[9] << 1) | ((long)p[10] >> 7);
                    }

                    Assert.All(p[(6 + ((p[5] & 0x10) != 0 ? 6 : 0))..(4 + fieldLength)].ToArray(), b => Assert.Equal(0xFF, b));
                }
            }

            packets.Add(new TsPacket(((p[1] & 0x1F) << 8) | p[2], (p[1] & 0x40) != 0, p[3] & 0x0F, fieldLength, randomAccess, pcr,
                p[(4 + fieldLength)..].ToArray()));
        }

        return packets;
    }

    /// <summary>The PES packets on <paramref name="pid"/>, each from its payload_unit_start packet to the next one's.</summary>
    public static List<(TsPacket First, byte[] Pes)> Pes(List<TsPacket> packets, int pid)
    {
        var result = new List<(TsPacket, byte[])>();
        TsPacket? first = null;
        var data = new List<byte>();
        foreach (var packet in packets.Where(p => p.Pid == pid))
        {
            if (packet.PayloadStart)
            {
                if (first is not null)
                {
                    result.Add((first, data.ToArray()));
                }

                (first, data) = (packet, []);
            }

            Assert.True(first is not null, "a PES continues before it started");
            data.AddRange(packet.Payload);
        }

        if (first is not null)
        {
            result.Add((first, data.ToArray()));
        }

        return result;
    }

    /// <summary>A PES packet's PTS, DTS (the PTS when absent) and data; fails on a bad start code or length.</summary>
    public static (byte StreamId, long Pts, long Dts, byte[] Data) ParsePes(byte[] pes)
    {
        Assert.Equal([0, 0, 1], pes[..3]);
        var length = (pes[4] << 8) | pes[5];
        Assert.True(length == 0 || length == pes.Length - 6, $"PES_packet_length {length} of a {pes.Length}-byte PES");
        var flags = pes[7] >> 6;
        Assert.True(flags is 2 or 3, $"PTS_DTS_flags {flags}");
        var pts = Timestamp(pes.AsSpan(9), flags == 2 ? 0x2 : 0x3);
        var dts = flags == 3 ? Timestamp(pes.AsSpan(14), 0x1) : pts;
        return (pes[3], pts, dts, pes[(9 + pes[8])..]);
    }

    /// <summary>The section in a PSI packet, its CRC_32 checked (the CRC over the whole section is 0).</summary>
    public static byte[] Section(TsPacket packet)
    {
        Assert.True(packet.PayloadStart);
        var pointer = packet.Payload[0];
        var section = packet.Payload.AsSpan(1 + pointer);
        var length = 3 + (((section[1] & 0x0F) << 8) | section[2]);
        Assert.Equal(0u, Crc(section[..length]));
        return section[..length].ToArray();
    }

    // CRC-32/MPEG-2 (ISO/IEC 13818-1 Annex A), shift register form: poly 0x04C11DB7, preset 0xFFFFFFFF.
    private static uint Crc(ReadOnlySpan<byte> data)
    {
        var register = 0xFFFF_FFFFu;
        foreach (var value in data)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                var feedback = ((register >> 31) ^ ((uint)value >> bit)) & 1;
                register <<= 1;
                if (feedback != 0)
                {
                    register ^= 0x04C1_1DB7;
                }
            }
        }

        return register;
    }

    // §2.4.3.7: a 4-bit prefix, then 3 + 15 + 15 bits with a marker bit after each.
    private static long Timestamp(ReadOnlySpan<byte> b, int prefix)
    {
        Assert.Equal(prefix, b[0] >> 4);
        Assert.True((b[0] & 1) == 1 && (b[2] & 1) == 1 && (b[4] & 1) == 1, "marker bits");
        return ((long)(b[0] & 0x0E) << 29) | ((long)b[1] << 22) | ((long)(b[2] & 0xFE) << 14) | ((long)b[3] << 7) | ((long)b[4] >> 1);
    }

    /// <summary>One transport packet: its header, adaptation field flags and payload.</summary>
    internal sealed record TsPacket(int Pid, bool PayloadStart, int Counter, int AdaptationLength, bool RandomAccess, long Pcr, byte[] Payload);
}
