namespace EmsSharp.Protocols.Rtp;

/// <summary>How one <see cref="RtpTrackSender"/> writes its packets (from the negotiated SDP).</summary>
public sealed class RtpTrackSenderOptions
{
    /// <summary>Default largest unprotected RTP packet.</summary>
    public const int DefaultMaxPacketSize = 1500;

    /// <summary>SSRC of the track.</summary>
    public required uint Ssrc { get; init; }

    /// <summary>Negotiated payload type.</summary>
    public required byte PayloadType { get; init; }

    /// <summary>RTP clock rate (90000 video, 48000 Opus, 8000 G.711).</summary>
    public required int ClockRate { get; init; }

    /// <summary>CNAME sent in SDES with each sender report.</summary>
    public string Cname { get; init; } = "ems";

    /// <summary>First sequence number (pick at random, RFC 3550 §5.1).</summary>
    public ushort InitialSequenceNumber { get; init; }

    /// <summary>Added to every media timestamp (pick at random, RFC 3550 §5.1).</summary>
    public uint TimestampOffset { get; init; }

    /// <summary>MID value sent in the sdes:mid extension (RFC 8843 §15.2), when its id is set.</summary>
    public string? Mid { get; init; }

    /// <summary>Extension id of urn:ietf:params:rtp-hdrext:sdes:mid, 0 when not negotiated.</summary>
    public int MidExtensionId { get; init; }

    /// <summary>Extension id of abs-send-time, 0 when not negotiated.</summary>
    public int AbsSendTimeExtensionId { get; init; }

    /// <summary>Extension id of transport-wide-cc, 0 when not negotiated; needs <see cref="TransportSequence"/>.</summary>
    public int TransportSequenceExtensionId { get; init; }

    /// <summary>The transport-wide counter shared by all tracks of the peer.</summary>
    public TransportSequenceCounter? TransportSequence { get; init; }

    /// <summary>RTX payload type (RFC 4588), when negotiated; retransmissions then use <see cref="RtxSsrc"/>.</summary>
    public byte? RtxPayloadType { get; init; }

    /// <summary>RTX SSRC, with <see cref="RtxPayloadType"/>.</summary>
    public uint RtxSsrc { get; init; }

    /// <summary>Packets kept for retransmission (power of two).</summary>
    public int HistoryCapacity { get; init; } = RtpSendHistory.DefaultCapacity;

    /// <summary>How long a packet stays retransmittable.</summary>
    public TimeSpan HistoryMaxAge { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest unprotected RTP packet written.</summary>
    public int MaxPacketSize { get; init; } = DefaultMaxPacketSize;
}
