using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// The common RTCP header (RFC 3550 §6.4.1).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| RC/FMT  |      PT       |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
/// <param name="Padding">P bit.</param>
/// <param name="Count">Report count, source count or feedback message type (5 bits).</param>
/// <param name="PacketType">Packet type.</param>
/// <param name="PacketLength">Whole packet length in bytes ((length field + 1) * 4).</param>
public readonly record struct RtcpHeader(bool Padding, int Count, byte PacketType, int PacketLength)
{
    /// <summary>Header size.</summary>
    public const int Length = 4;

    /// <summary>Parses the header and checks that the whole packet fits in <paramref name="data"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        if (data.Length < Length || (data[0] >> 6) != 2)
        {
            return false;
        }
        int packetLength = (BinaryPrimitives.ReadUInt16BigEndian(data[2..]) + 1) * 4;
        if (packetLength > data.Length)
        {
            return false;
        }
        header = new RtcpHeader((data[0] & 0x20) != 0, data[0] & 0x1F, data[1], packetLength);
        consumed = Length;
        return true;
    }

    /// <summary>Bytes written by <see cref="TryWrite"/>.</summary>
    public int GetSerializedLength() => Length;

    /// <summary>Writes the header; false if the count or length cannot be encoded.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < Length || Count is < 0 or > 31 || PacketLength < Length || PacketLength % 4 != 0
            || PacketLength > (ushort.MaxValue + 1) * 4)
        {
            return false;
        }
        destination[0] = (byte)(0x80 | (Padding ? 0x20 : 0) | Count);
        destination[1] = PacketType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((PacketLength / 4) - 1));
        written = Length;
        return true;
    }
}
