using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// Full intra request, PSFB FMT 4 (RFC 5104 §4.3.1); the media source field is 0.
/// <code>
/// |V=2|P| FMT=4   |   PT=206      |          length               |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source (0)                     |
/// |                              SSRC                             |  (repeated
/// | Seq nr.       |    Reserved                                   |   FCI)
/// </code>
/// </summary>
public sealed class RtcpFullIntraRequest : RtcpPacket
{
    /// <summary>Feedback message type of FIR.</summary>
    public const int Format = 4;

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; init; }

    /// <summary>FCI entries.</summary>
    public required RtcpFirEntry[] Entries { get; init; }

    /// <summary>Parses one FIR starting at its header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpFullIntraRequest packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpFeedbackHeader.TryRead(data, RtcpPacketType.PayloadFeedback, Format, out uint sender, out _, out var fci, out int length)
            || fci.IsEmpty || fci.Length % 8 != 0)
        {
            return false;
        }
        var entries = new RtcpFirEntry[fci.Length / 8];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new RtcpFirEntry(BinaryPrimitives.ReadUInt32BigEndian(fci[(i * 8)..]), fci[(i * 8) + 4]);
        }
        packet = new RtcpFullIntraRequest { SenderSsrc = sender, Entries = entries };
        consumed = length;
        return true;
    }

    /// <inheritdoc/>
    public override int GetSerializedLength() => RtcpFeedbackHeader.Length + (Entries.Length * 8);

    /// <inheritdoc/>
    public override bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetSerializedLength();
        if (Entries.Length == 0
            || !RtcpFeedbackHeader.TryWrite(destination, RtcpPacketType.PayloadFeedback, Format, SenderSsrc, 0, length))
        {
            return false;
        }
        for (int i = 0; i < Entries.Length; i++)
        {
            var entry = destination.Slice(RtcpFeedbackHeader.Length + (i * 8), 8);
            BinaryPrimitives.WriteUInt32BigEndian(entry, Entries[i].Ssrc);
            BinaryPrimitives.WriteUInt32BigEndian(entry[4..], (uint)Entries[i].SequenceNumber << 24);
        }
        written = length;
        return true;
    }
}
