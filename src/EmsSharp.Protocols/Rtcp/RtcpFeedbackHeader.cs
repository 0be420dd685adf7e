using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// The common part of RTPFB/PSFB feedback messages (RFC 4585 §6.1).
/// <code>
/// |V=2|P|   FMT   |       PT      |          length               |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source                         |
/// :            Feedback Control Information (FCI)                 :
/// </code>
/// </summary>
internal static class RtcpFeedbackHeader
{
    public const int Length = 12;

    /// <summary>
    /// Reads the header of a feedback packet of type <paramref name="packetType"/> and format
    /// <paramref name="format"/>; returns its FCI.
    /// </summary>
    public static bool TryRead(
        ReadOnlySpan<byte> data, byte packetType, int format, out uint senderSsrc, out uint mediaSsrc,
        out ReadOnlySpan<byte> fci, out int packetLength)
    {
        senderSsrc = 0;
        mediaSsrc = 0;
        fci = default;
        packetLength = 0;
        if (!RtcpHeader.TryRead(data, out var header, out _) || header.PacketType != packetType
            || header.Count != format || header.PacketLength < Length)
        {
            return false;
        }
        senderSsrc = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        mediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(data[8..]);
        fci = data[Length..header.PacketLength];
        packetLength = header.PacketLength;
        return true;
    }

    /// <summary>Writes the header of a <paramref name="packetLength"/>-byte feedback packet.</summary>
    public static bool TryWrite(
        Span<byte> destination, byte packetType, int format, uint senderSsrc, uint mediaSsrc, int packetLength)
    {
        if (destination.Length < packetLength
            || !new RtcpHeader(false, format, packetType, packetLength).TryWrite(destination, out _))
        {
            return false;
        }
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
        return true;
    }
}
