using System.Buffers.Binary;

namespace EmsSharp.Protocols.Turn;

/// <summary>The ChannelData message (RFC 8656 §12.4).</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Channel Number        |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// /                       Application Data                        /
/// </code>
/// Over TCP and TLS the message is padded to a multiple of 4 bytes (RFC 8656 §12.5); over UDP padding
/// may be present and is ignored.
/// </remarks>
internal static class TurnChannelData
{
    public const int HeaderLength = 4;

    /// <summary>RFC 8656 §12: channel numbers start at 0x4000.</summary>
    public const ushort MinChannel = 0x4000;

    /// <summary>
    /// RFC 8656 §12 narrows the range to 0x4FFF, but RFC 5766 §11 allowed up to 0x7FFF and clients still use
    /// it (coturn's turnutils_uclient, libwebrtc): accepted for interoperability. The first two bits stay 01,
    /// so the RFC 7983 demultiplexing is unaffected.
    /// </summary>
    public const ushort MaxChannel = 0x7FFF;

    public static bool IsChannelNumber(int number) => number is >= MinChannel and <= MaxChannel;

    public static bool TryRead(ReadOnlySpan<byte> data, out ushort channel, out ReadOnlySpan<byte> payload, out int consumed)
    {
        channel = 0;
        payload = default;
        consumed = 0;
        if (data.Length < HeaderLength)
        {
            return false;
        }

        channel = BinaryPrimitives.ReadUInt16BigEndian(data);
        int length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        if (!IsChannelNumber(channel) || length > TurnServer.MaxPayloadLength || HeaderLength + length > data.Length)
        {
            return false;
        }

        payload = data.Slice(HeaderLength, length);
        consumed = HeaderLength + length;
        return true;
    }

    public static int GetSerializedLength(int payloadLength, bool padded) =>
        padded ? (HeaderLength + payloadLength + 3) & ~3 : HeaderLength + payloadLength;

    public static bool TryWrite(Span<byte> destination, ushort channel, ReadOnlySpan<byte> payload, bool padded, out int written)
    {
        written = GetSerializedLength(payload.Length, padded);
        if (written > destination.Length || payload.Length > ushort.MaxValue)
        {
            written = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, channel);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payload.Length);
        payload.CopyTo(destination[HeaderLength..]);
        destination[(HeaderLength + payload.Length)..written].Clear();
        return true;
    }
}
