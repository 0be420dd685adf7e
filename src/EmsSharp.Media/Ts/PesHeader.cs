using System.Buffers.Binary;

namespace EmsSharp.Media.Ts;

/// <summary>
/// The PES packet header (ISO/IEC 13818-1 §2.4.3.6, Table 2-21) the muxer writes: packet_start_code_prefix, stream_id,
/// PES_packet_length, '10', data_alignment_indicator 1, PTS_DTS_flags, PES_header_data_length, then the PTS and, when
/// it differs, the DTS (33 bits of 90 kHz each, §2.4.3.7).
/// </summary>
public static class PesHeader
{
    /// <summary>stream_id of the first video stream (Table 2-22: 1110 xxxx).</summary>
    public const byte VideoStreamId = 0xE0;

    /// <summary>stream_id of the first audio stream (Table 2-22: 110x xxxx).</summary>
    public const byte AudioStreamId = 0xC0;

    /// <summary>The largest header written: 9 bytes, PTS and DTS.</summary>
    public const int MaxSize = 19;

    /// <summary>The 33 bits of a PTS or DTS.</summary>
    public const long TimestampMask = 0x1_FFFF_FFFF;

    /// <summary>Header bytes for a PES with <paramref name="pts"/> and <paramref name="dts"/>.</summary>
    public static int GetSize(long pts, long dts) => pts == dts ? 14 : 19;

    /// <summary>
    /// Writes the header of a PES whose elementary stream data is <paramref name="dataLength"/> bytes; returns its size.
    /// PES_packet_length is 0 (unbounded, allowed only for video in a transport stream, §2.4.3.7) when
    /// <paramref name="unbounded"/> or when the packet would be longer than 65535 bytes.
    /// </summary>
    public static int Write(Span<byte> destination, byte streamId, long pts, long dts, int dataLength, bool unbounded)
    {
        var size = GetSize(pts, dts);
        destination[0] = 0;
        destination[1] = 0;
        destination[2] = 1;
        destination[3] = streamId;
        var length = size - 6 + dataLength;
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)(unbounded || length > ushort.MaxValue ? 0 : length));
        destination[6] = 0x84; // '10', PES_scrambling_control 00, PES_priority 0, data_alignment_indicator 1, copyright 0, original 0
        if (size == 14)
        {
            destination[7] = 0x80; // PTS_DTS_flags '10'
            destination[8] = 5;
            WriteTimestamp(destination[9..], 0x2, pts);
        }
        else
        {
            destination[7] = 0xC0; // PTS_DTS_flags '11'
            destination[8] = 10;
            WriteTimestamp(destination[9..], 0x3, pts);
            WriteTimestamp(destination[14..], 0x1, dts);
        }

        return size;
    }

    // '0010' (PTS only), '0011' (PTS then DTS) or '0001' (DTS), TS[32..30], marker, TS[29..15], marker, TS[14..0], marker.
    private static void WriteTimestamp(Span<byte> destination, int prefix, long value)
    {
        value &= TimestampMask;
        destination[0] = (byte)((prefix << 4) | (int)((value >> 29) & 0x0E) | 1);
        destination[1] = (byte)(value >> 22);
        destination[2] = (byte)(((value >> 14) & 0xFE) | 1);
        destination[3] = (byte)(value >> 7);
        destination[4] = (byte)(((value << 1) & 0xFE) | 1);
    }
}
