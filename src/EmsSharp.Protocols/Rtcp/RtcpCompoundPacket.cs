namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// A compound RTCP packet: RTCP packets back to back in one datagram (RFC 3550 §6.1). Parsing is
/// lenient about order (RFC 5506 reduced-size RTCP is accepted) but strict about every length.
/// </summary>
public sealed class RtcpCompoundPacket
{
    /// <summary>Most packets accepted in one compound packet.</summary>
    public const int MaxPackets = 64;

    /// <summary>The packets in order.</summary>
    public required IReadOnlyList<RtcpPacket> Packets { get; init; }

    /// <summary>Parses every packet of <paramref name="data"/>; false if any is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpCompoundPacket compound, out int consumed)
    {
        compound = null!;
        consumed = 0;
        var packets = new List<RtcpPacket>();
        int position = 0;
        while (position < data.Length)
        {
            if (packets.Count == MaxPackets || !TryReadOne(data[position..], out var packet, out int length))
            {
                return false;
            }
            packets.Add(packet);
            position += length;
        }
        if (packets.Count == 0)
        {
            return false;
        }
        compound = new RtcpCompoundPacket { Packets = packets };
        consumed = position;
        return true;
    }

    /// <summary>Parses the packet at the start of <paramref name="data"/> into its typed form.</summary>
    public static bool TryReadOne(ReadOnlySpan<byte> data, out RtcpPacket packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpHeader.TryRead(data, out var header, out _))
        {
            return false;
        }
        bool ok;
        switch (header.PacketType, header.Count)
        {
            case (RtcpPacketType.SenderReport, _):
                ok = RtcpSenderReport.TryRead(data, out var sr, out consumed);
                packet = sr;
                break;
            case (RtcpPacketType.ReceiverReport, _):
                ok = RtcpReceiverReport.TryRead(data, out var rr, out consumed);
                packet = rr;
                break;
            case (RtcpPacketType.SourceDescription, _):
                ok = RtcpSourceDescription.TryRead(data, out var sdes, out consumed);
                packet = sdes;
                break;
            case (RtcpPacketType.Bye, _):
                ok = RtcpBye.TryRead(data, out var bye, out consumed);
                packet = bye;
                break;
            case (RtcpPacketType.TransportFeedback, RtcpGenericNack.Format):
                ok = RtcpGenericNack.TryRead(data, out var nack, out consumed);
                packet = nack;
                break;
            case (RtcpPacketType.TransportFeedback, RtcpTransportFeedback.Format):
                ok = RtcpTransportFeedback.TryRead(data, out var twcc, out consumed);
                packet = twcc;
                break;
            case (RtcpPacketType.PayloadFeedback, RtcpPictureLossIndication.Format):
                ok = RtcpPictureLossIndication.TryRead(data, out var pli, out consumed);
                packet = pli;
                break;
            case (RtcpPacketType.PayloadFeedback, RtcpFullIntraRequest.Format):
                ok = RtcpFullIntraRequest.TryRead(data, out var fir, out consumed);
                packet = fir;
                break;
            case (RtcpPacketType.PayloadFeedback, RtcpRemb.Format) when RtcpRemb.TryRead(data, out var remb, out consumed):
                packet = remb;
                ok = true;
                break;
            default:
                ok = RtcpUnknownPacket.TryRead(data, out var unknown, out consumed);
                packet = unknown;
                break;
        }
        return ok;
    }

    /// <summary>Total bytes of all packets.</summary>
    public int GetSerializedLength()
    {
        int length = 0;
        foreach (var packet in Packets)
        {
            length += packet.GetSerializedLength();
        }
        return length;
    }

    /// <summary>Writes all packets back to back.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int position = 0;
        foreach (var packet in Packets)
        {
            if (!packet.TryWrite(destination[position..], out int n))
            {
                return false;
            }
            position += n;
        }
        written = position;
        return true;
    }
}
