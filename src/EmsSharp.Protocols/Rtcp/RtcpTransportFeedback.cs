using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// Transport-wide congestion control feedback, RTPFB FMT 15 (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
/// <code>
/// |V=2|P|  FMT=15 |    PT=205     |           length              |
/// |                     SSRC of packet sender                     |
/// |                      SSRC of media source                     |
/// |      base sequence number     |      packet status count      |
/// |                 reference time                | fb pkt. count |
/// |          packet chunk         |         packet chunk          |  ...
/// |  recv delta   |  recv delta   | ... (1 byte small, 2 bytes large) | zero padding
/// </code>
/// Written with two-bit status vector chunks only (§3.1.4), which every receiver parses.
/// </summary>
public sealed class RtcpTransportFeedback : RtcpPacket
{
    /// <summary>Feedback message type of transport-wide feedback.</summary>
    public const int Format = 15;

    /// <summary>Largest packet status count accepted, bounding what a parse allocates.</summary>
    public const int MaxPacketStatusCount = 8192;

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; init; }

    /// <summary>SSRC of the media source (unused by the algorithm).</summary>
    public uint MediaSsrc { get; init; }

    /// <summary>Reference time, signed 24 bits in multiples of 64 ms.</summary>
    public required int ReferenceTime { get; init; }

    /// <summary>Feedback packet count, for detecting lost feedback.</summary>
    public byte FeedbackPacketCount { get; init; }

    /// <summary>Consecutive statuses starting at the base sequence number.</summary>
    public required RtcpTransportPacketStatus[] Packets { get; init; }

    /// <summary>Parses one transport-wide feedback starting at its header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpTransportFeedback packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpFeedbackHeader.TryRead(data, RtcpPacketType.TransportFeedback, Format, out uint sender, out uint media,
                out var fci, out int length) || fci.Length < 8)
        {
            return false;
        }
        ushort baseSequence = BinaryPrimitives.ReadUInt16BigEndian(fci);
        int count = BinaryPrimitives.ReadUInt16BigEndian(fci[2..]);
        int reference = ((fci[4] << 16) | (fci[5] << 8) | fci[6]) << 8 >> 8;
        if (count > MaxPacketStatusCount)
        {
            return false;
        }
        var states = new RtcpTransportPacketState[count];
        int position = 8;
        // §3.1.3 / §3.1.4: chunks until every status is known.
        for (int filled = 0; filled < count;)
        {
            if (position + 2 > fci.Length)
            {
                return false;
            }
            ushort chunk = BinaryPrimitives.ReadUInt16BigEndian(fci[position..]);
            position += 2;
            if ((chunk & 0x8000) == 0)
            {
                int symbol = (chunk >> 13) & 0x3;
                int run = Math.Min(chunk & 0x1FFF, count - filled);
                if (symbol == 3)
                {
                    return false;
                }
                states.AsSpan(filled, run).Fill((RtcpTransportPacketState)symbol);
                filled += run;
            }
            else if ((chunk & 0x4000) == 0)
            {
                for (int i = 13; i >= 0 && filled < count; i--)
                {
                    states[filled++] = (RtcpTransportPacketState)((chunk >> i) & 0x1);
                }
            }
            else
            {
                for (int i = 12; i >= 0 && filled < count; i -= 2)
                {
                    int symbol = (chunk >> i) & 0x3;
                    if (symbol == 3)
                    {
                        return false;
                    }
                    states[filled++] = (RtcpTransportPacketState)symbol;
                }
            }
        }
        var packets = new RtcpTransportPacketStatus[count];
        for (int i = 0; i < count; i++)
        {
            short delta = 0;
            switch (states[i])
            {
                case RtcpTransportPacketState.SmallDelta when position + 1 <= fci.Length:
                    delta = fci[position++];
                    break;
                case RtcpTransportPacketState.LargeDelta when position + 2 <= fci.Length:
                    delta = BinaryPrimitives.ReadInt16BigEndian(fci[position..]);
                    position += 2;
                    break;
                case RtcpTransportPacketState.NotReceived:
                    break;
                default:
                    return false;
            }
            packets[i] = new RtcpTransportPacketStatus((ushort)(baseSequence + i), states[i], delta);
        }
        packet = new RtcpTransportFeedback
        {
            SenderSsrc = sender,
            MediaSsrc = media,
            ReferenceTime = reference,
            FeedbackPacketCount = fci[7],
            Packets = packets,
        };
        consumed = length;
        return true;
    }

    /// <inheritdoc/>
    public override int GetSerializedLength()
    {
        int length = RtcpFeedbackHeader.Length + 8 + (((Packets.Length + 6) / 7) * 2);
        foreach (var status in Packets)
        {
            length += status.State switch
            {
                RtcpTransportPacketState.SmallDelta => 1,
                RtcpTransportPacketState.LargeDelta => 2,
                _ => 0,
            };
        }
        return (length + 3) & ~3;
    }

    /// <inheritdoc/>
    public override bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetSerializedLength();
        if (Packets.Length is 0 or > MaxPacketStatusCount || ReferenceTime is < -0x800000 or > 0x7FFFFF
            || !RtcpFeedbackHeader.TryWrite(destination, RtcpPacketType.TransportFeedback, Format, SenderSsrc, MediaSsrc, length))
        {
            return false;
        }
        var fci = destination[RtcpFeedbackHeader.Length..length];
        fci.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(fci, Packets[0].SequenceNumber);
        BinaryPrimitives.WriteUInt16BigEndian(fci[2..], (ushort)Packets.Length);
        fci[4] = (byte)(ReferenceTime >> 16);
        fci[5] = (byte)(ReferenceTime >> 8);
        fci[6] = (byte)ReferenceTime;
        fci[7] = FeedbackPacketCount;
        int position = 8;
        for (int start = 0; start < Packets.Length; start += 7)
        {
            // §3.1.4: status vector chunk, S = 1 (two-bit symbols), 7 symbols.
            int chunk = 0xC000;
            for (int i = 0; i < 7 && start + i < Packets.Length; i++)
            {
                chunk |= (int)Packets[start + i].State << (12 - (2 * i));
            }
            BinaryPrimitives.WriteUInt16BigEndian(fci[position..], (ushort)chunk);
            position += 2;
        }
        foreach (var status in Packets)
        {
            if (status.State == RtcpTransportPacketState.SmallDelta)
            {
                if (status.Delta is < 0 or > 255)
                {
                    return false;
                }
                fci[position++] = (byte)status.Delta;
            }
            else if (status.State == RtcpTransportPacketState.LargeDelta)
            {
                BinaryPrimitives.WriteInt16BigEndian(fci[position..], status.Delta);
                position += 2;
            }
        }
        written = length;
        return true;
    }
}
