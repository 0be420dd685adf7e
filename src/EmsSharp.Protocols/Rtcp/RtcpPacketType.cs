namespace EmsSharp.Protocols.Rtcp;

/// <summary>RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1).</summary>
public static class RtcpPacketType
{
    /// <summary>Sender report.</summary>
    public const byte SenderReport = 200;

    /// <summary>Receiver report.</summary>
    public const byte ReceiverReport = 201;

    /// <summary>Source description.</summary>
    public const byte SourceDescription = 202;

    /// <summary>Goodbye.</summary>
    public const byte Bye = 203;

    /// <summary>Application-defined.</summary>
    public const byte Application = 204;

    /// <summary>Transport-layer feedback (RTPFB).</summary>
    public const byte TransportFeedback = 205;

    /// <summary>Payload-specific feedback (PSFB).</summary>
    public const byte PayloadFeedback = 206;

    /// <summary>
    /// Whether a datagram that passed the RFC 7983 RTP/RTCP range check is RTCP: its second byte is a
    /// packet type in 192..223 (RFC 5761 §4), which RTP payload types with the marker bit cannot be.
    /// </summary>
    public static bool IsRtcp(ReadOnlySpan<byte> datagram) => datagram.Length >= 2 && datagram[1] is >= 192 and <= 223;
}
