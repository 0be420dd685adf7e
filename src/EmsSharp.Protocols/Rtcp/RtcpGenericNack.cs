using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// Generic NACK, RTPFB FMT 1 (RFC 4585 §6.2.1).
/// <code>
/// |V=2|P| FMT=1   |   PT=205      |          length               |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source                         |
/// |            PID                |             BLP               |  (repeated)
/// </code>
/// </summary>
public sealed class RtcpGenericNack : RtcpPacket
{
    /// <summary>Feedback message type of generic NACK.</summary>
    public const int Format = 1;

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; init; }

    /// <summary>SSRC of the media source whose packets are lost.</summary>
    public required uint MediaSsrc { get; init; }

    /// <summary>FCI entries.</summary>
    public required RtcpNackItem[] Items { get; init; }

    /// <summary>Builds the FCI from lost sequence numbers, packing each run of 17 into one entry.</summary>
    public static RtcpGenericNack FromSequenceNumbers(uint senderSsrc, uint mediaSsrc, ReadOnlySpan<ushort> lost)
    {
        var items = new List<RtcpNackItem>();
        for (int i = 0; i < lost.Length;)
        {
            ushort pid = lost[i++];
            ushort mask = 0;
            while (i < lost.Length)
            {
                int offset = (ushort)(lost[i] - pid);
                if (offset is < 1 or > 16)
                {
                    break;
                }
                mask |= (ushort)(1 << (offset - 1));
                i++;
            }
            items.Add(new RtcpNackItem(pid, mask));
        }
        return new RtcpGenericNack { SenderSsrc = senderSsrc, MediaSsrc = mediaSsrc, Items = [.. items] };
    }

    /// <summary>Number of sequence numbers the entries name.</summary>
    public int LostCount
    {
        get
        {
            int count = 0;
            foreach (var item in Items)
            {
                count += 1 + System.Numerics.BitOperations.PopCount(item.LostBitmask);
            }
            return count;
        }
    }

    /// <summary>Writes the lost sequence numbers into <paramref name="destination"/>; returns how many were written.</summary>
    public int CopyLostSequenceNumbers(Span<ushort> destination)
    {
        int n = 0;
        foreach (var item in Items)
        {
            for (int bit = -1; bit < 16 && n < destination.Length; bit++)
            {
                if (bit < 0 || (item.LostBitmask & (1 << bit)) != 0)
                {
                    destination[n++] = (ushort)(item.PacketId + bit + 1);
                }
            }
        }
        return n;
    }

    /// <summary>Parses one generic NACK starting at its header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpGenericNack packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpFeedbackHeader.TryRead(data, RtcpPacketType.TransportFeedback, Format, out uint sender, out uint media,
                out var fci, out int length) || fci.IsEmpty || fci.Length % 4 != 0)
        {
            return false;
        }
        var items = new RtcpNackItem[fci.Length / 4];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = new RtcpNackItem(
                BinaryPrimitives.ReadUInt16BigEndian(fci[(i * 4)..]), BinaryPrimitives.ReadUInt16BigEndian(fci[((i * 4) + 2)..]));
        }
        packet = new RtcpGenericNack { SenderSsrc = sender, MediaSsrc = media, Items = items };
        consumed = length;
        return true;
    }

    /// <inheritdoc/>
    public override int GetSerializedLength() => RtcpFeedbackHeader.Length + (Items.Length * 4);

    /// <inheritdoc/>
    public override bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetSerializedLength();
        if (Items.Length == 0
            || !RtcpFeedbackHeader.TryWrite(destination, RtcpPacketType.TransportFeedback, Format, SenderSsrc, MediaSsrc, length))
        {
            return false;
        }
        for (int i = 0; i < Items.Length; i++)
        {
            int offset = RtcpFeedbackHeader.Length + (i * 4);
            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], Items[i].PacketId);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], Items[i].LostBitmask);
        }
        written = length;
        return true;
    }
}
