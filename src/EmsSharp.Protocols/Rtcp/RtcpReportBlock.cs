using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// A reception report block (RFC 3550 §6.4.1).
/// <code>
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 SSRC_1 (SSRC of first source)                 |
/// | fraction lost |       cumulative number of packets lost       |
/// |           extended highest sequence number received           |
/// |                      interarrival jitter                      |
/// |                         last SR (LSR)                         |
/// |                   delay since last SR (DLSR)                  |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// </code>
/// </summary>
/// <param name="Ssrc">Source this block reports on.</param>
/// <param name="FractionLost">Fraction lost since the last report, in 1/256.</param>
/// <param name="CumulativeLost">Cumulative packets lost (24-bit signed).</param>
/// <param name="ExtendedHighestSequence">Extended highest sequence number received.</param>
/// <param name="Jitter">Interarrival jitter in timestamp units.</param>
/// <param name="LastSenderReport">Middle 32 bits of the last SR's NTP timestamp.</param>
/// <param name="DelaySinceLastSenderReport">Delay since that SR, in 1/65536 s.</param>
public readonly record struct RtcpReportBlock(
    uint Ssrc, byte FractionLost, int CumulativeLost, uint ExtendedHighestSequence, uint Jitter,
    uint LastSenderReport, uint DelaySinceLastSenderReport)
{
    /// <summary>Size of a block.</summary>
    public const int Length = 24;

    /// <summary>Parses one block.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpReportBlock block, out int consumed)
    {
        block = default;
        consumed = 0;
        if (data.Length < Length)
        {
            return false;
        }
        int lost = (data[5] << 16) | (data[6] << 8) | data[7];
        lost = (lost << 8) >> 8; // sign-extend 24 bits
        block = new RtcpReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(data), data[4], lost,
            BinaryPrimitives.ReadUInt32BigEndian(data[8..]), BinaryPrimitives.ReadUInt32BigEndian(data[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[16..]), BinaryPrimitives.ReadUInt32BigEndian(data[20..]));
        consumed = Length;
        return true;
    }

    /// <summary>Bytes written by <see cref="TryWrite"/>.</summary>
    public int GetSerializedLength() => Length;

    /// <summary>Writes the block; the cumulative loss is clamped to 24 bits signed (RFC 3550 §6.4.1).</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < Length)
        {
            return false;
        }
        int lost = Math.Clamp(CumulativeLost, -0x800000, 0x7FFFFF);
        BinaryPrimitives.WriteUInt32BigEndian(destination, Ssrc);
        destination[4] = FractionLost;
        destination[5] = (byte)(lost >> 16);
        destination[6] = (byte)(lost >> 8);
        destination[7] = (byte)lost;
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ExtendedHighestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], DelaySinceLastSenderReport);
        written = Length;
        return true;
    }

    /// <summary>Reads <paramref name="count"/> consecutive blocks; false if they do not fit.</summary>
    internal static bool TryReadBlocks(ReadOnlySpan<byte> data, int count, out RtcpReportBlock[] blocks)
    {
        blocks = [];
        if (data.Length < count * Length)
        {
            return false;
        }
        blocks = new RtcpReportBlock[count];
        for (int i = 0; i < count; i++)
        {
            TryRead(data[(i * Length)..], out blocks[i], out _);
        }
        return true;
    }

    /// <summary>Writes the blocks consecutively (the caller checked the room).</summary>
    internal static void WriteBlocks(ReadOnlySpan<RtcpReportBlock> blocks, Span<byte> destination)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i].TryWrite(destination[(i * Length)..], out _);
        }
    }
}
