using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// Sender report (RFC 3550 §6.4.1).
/// <code>
/// |V=2|P|    RC   |   PT=SR=200   |             length            |
/// |                         SSRC of sender                        |
/// |              NTP timestamp, most significant word             |
/// |             NTP timestamp, least significant word             |
/// |                         RTP timestamp                         |
/// |                     sender's packet count                     |
/// |                      sender's octet count                     |
/// |                     report blocks (RC * 24 bytes)             |
/// </code>
/// </summary>
public sealed class RtcpSenderReport : RtcpPacket
{
    private const int FixedLength = 28;

    /// <summary>SSRC of the sender.</summary>
    public required uint Ssrc { get; init; }

    /// <summary>64-bit NTP timestamp of the report (RFC 3550 §4).</summary>
    public required ulong NtpTimestamp { get; init; }

    /// <summary>RTP timestamp corresponding to <see cref="NtpTimestamp"/>.</summary>
    public required uint RtpTimestamp { get; init; }

    /// <summary>Packets sent since the start.</summary>
    public uint PacketCount { get; init; }

    /// <summary>Payload octets sent since the start.</summary>
    public uint OctetCount { get; init; }

    /// <summary>Reception report blocks (at most 31).</summary>
    public RtcpReportBlock[] ReportBlocks { get; init; } = [];

    /// <summary>Parses one SR packet starting at its header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpSenderReport packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpHeader.TryRead(data, out var header, out _) || header.PacketType != RtcpPacketType.SenderReport
            || header.PacketLength < FixedLength
            || !RtcpReportBlock.TryReadBlocks(data[FixedLength..header.PacketLength], header.Count, out var blocks))
        {
            return false;
        }
        packet = new RtcpSenderReport
        {
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            NtpTimestamp = BinaryPrimitives.ReadUInt64BigEndian(data[8..]),
            RtpTimestamp = BinaryPrimitives.ReadUInt32BigEndian(data[16..]),
            PacketCount = BinaryPrimitives.ReadUInt32BigEndian(data[20..]),
            OctetCount = BinaryPrimitives.ReadUInt32BigEndian(data[24..]),
            ReportBlocks = blocks,
        };
        consumed = header.PacketLength;
        return true;
    }

    /// <inheritdoc/>
    public override int GetSerializedLength() => FixedLength + (ReportBlocks.Length * RtcpReportBlock.Length);

    /// <inheritdoc/>
    public override bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (ReportBlocks.Length > 31 || !TryWriteHeader(destination, ReportBlocks.Length, RtcpPacketType.SenderReport, out int length))
        {
            return false;
        }
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], NtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], OctetCount);
        RtcpReportBlock.WriteBlocks(ReportBlocks, destination[FixedLength..]);
        written = length;
        return true;
    }
}
