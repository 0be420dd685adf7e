using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// Receiver report (RFC 3550 §6.4.2).
/// <code>
/// |V=2|P|    RC   |   PT=RR=201   |             length            |
/// |                     SSRC of packet sender                     |
/// |                     report blocks (RC * 24 bytes)             |
/// </code>
/// </summary>
public sealed class RtcpReceiverReport : RtcpPacket
{
    private const int FixedLength = 8;

    /// <summary>SSRC of the packet sender.</summary>
    public required uint Ssrc { get; init; }

    /// <summary>Reception report blocks (at most 31).</summary>
    public RtcpReportBlock[] ReportBlocks { get; init; } = [];

    /// <summary>Parses one RR packet starting at its header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpReceiverReport packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpHeader.TryRead(data, out var header, out _) || header.PacketType != RtcpPacketType.ReceiverReport
            || header.PacketLength < FixedLength
            || !RtcpReportBlock.TryReadBlocks(data[FixedLength..header.PacketLength], header.Count, out var blocks))
        {
            return false;
        }
        packet = new RtcpReceiverReport { Ssrc = BinaryPrimitives.ReadUInt32BigEndian(data[4..]), ReportBlocks = blocks };
        consumed = header.PacketLength;
        return true;
    }

    /// <inheritdoc/>
    public override int GetSerializedLength() => FixedLength + (ReportBlocks.Length * RtcpReportBlock.Length);

    /// <inheritdoc/>
    public override bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (ReportBlocks.Length > 31 || !TryWriteHeader(destination, ReportBlocks.Length, RtcpPacketType.ReceiverReport, out int length))
        {
            return false;
        }
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Ssrc);
        RtcpReportBlock.WriteBlocks(ReportBlocks, destination[FixedLength..]);
        written = length;
        return true;
    }
}
