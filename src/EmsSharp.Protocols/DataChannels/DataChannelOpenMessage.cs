using System.Buffers.Binary;
using System.Text;

namespace EmsSharp.Protocols.DataChannels;

/// <summary>
/// DATA_CHANNEL_OPEN, RFC 8832 §5.1 (the 1-byte DATA_CHANNEL_ACK of §5.2 is <see cref="AckMessageType"/> alone).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Message Type |  Channel Type |            Priority           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Reliability Parameter                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Label Length          |       Protocol Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// \                             Label                             /
/// \                            Protocol                           /
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly record struct DataChannelOpenMessage(DataChannelType ChannelType, ushort Priority, uint ReliabilityParameter, string Label, string Protocol)
{
    public const byte OpenMessageType = 0x03;
    public const byte AckMessageType = 0x02;
    public const int FixedLength = 12;

    public static bool TryRead(ReadOnlySpan<byte> source, out DataChannelOpenMessage message, out int consumed)
    {
        message = default;
        consumed = 0;
        if (source.Length < FixedLength || source[0] != OpenMessageType || !Enum.IsDefined((DataChannelType)source[1]))
        {
            return false;
        }

        int labelLength = BinaryPrimitives.ReadUInt16BigEndian(source[8..]);
        int protocolLength = BinaryPrimitives.ReadUInt16BigEndian(source[10..]);
        if (source.Length < FixedLength + labelLength + protocolLength)
        {
            return false;
        }

        message = new DataChannelOpenMessage(
            (DataChannelType)source[1],
            BinaryPrimitives.ReadUInt16BigEndian(source[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
            Encoding.UTF8.GetString(source.Slice(FixedLength, labelLength)),
            Encoding.UTF8.GetString(source.Slice(FixedLength + labelLength, protocolLength)));
        consumed = FixedLength + labelLength + protocolLength;
        return true;
    }

    public int GetSerializedLength() => FixedLength + Encoding.UTF8.GetByteCount(Label) + Encoding.UTF8.GetByteCount(Protocol);

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var labelLength = Encoding.UTF8.GetByteCount(Label);
        var protocolLength = Encoding.UTF8.GetByteCount(Protocol);
        if (labelLength > ushort.MaxValue || protocolLength > ushort.MaxValue || destination.Length < FixedLength + labelLength + protocolLength)
        {
            return false;
        }

        destination[0] = OpenMessageType;
        destination[1] = (byte)ChannelType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Priority);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ReliabilityParameter);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], (ushort)labelLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], (ushort)protocolLength);
        Encoding.UTF8.GetBytes(Label, destination[FixedLength..]);
        Encoding.UTF8.GetBytes(Protocol, destination[(FixedLength + labelLength)..]);
        written = FixedLength + labelLength + protocolLength;
        return true;
    }
}
