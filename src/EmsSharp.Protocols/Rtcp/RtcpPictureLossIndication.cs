namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// Picture loss indication, PSFB FMT 1 with no FCI (RFC 4585 §6.3.1).
/// <code>
/// |V=2|P| FMT=1   |   PT=206      |          length=2             |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source                         |
/// </code>
/// </summary>
public sealed class RtcpPictureLossIndication : RtcpPacket
{
    /// <summary>Feedback message type of PLI.</summary>
    public const int Format = 1;

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; init; }

    /// <summary>SSRC of the media source that should send a keyframe.</summary>
    public required uint MediaSsrc { get; init; }

    /// <summary>Parses one PLI starting at its header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpPictureLossIndication packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpFeedbackHeader.TryRead(
                data, RtcpPacketType.PayloadFeedback, Format, out uint sender, out uint media, out _, out int length))
        {
            return false;
        }
        packet = new RtcpPictureLossIndication { SenderSsrc = sender, MediaSsrc = media };
        consumed = length;
        return true;
    }

    /// <inheritdoc/>
    public override int GetSerializedLength() => RtcpFeedbackHeader.Length;

    /// <inheritdoc/>
    public override bool TryWrite(Span<byte> destination, out int written)
    {
        bool ok = RtcpFeedbackHeader.TryWrite(
            destination, RtcpPacketType.PayloadFeedback, Format, SenderSsrc, MediaSsrc, RtcpFeedbackHeader.Length);
        written = ok ? RtcpFeedbackHeader.Length : 0;
        return ok;
    }
}
