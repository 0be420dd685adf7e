namespace EmsSharp.WebRtc;

/// <summary>What a datagram on the shared port is, by its first byte (RFC 7983 §7).</summary>
public enum PacketKind
{
    /// <summary>Not one of ours.</summary>
    Unknown,

    /// <summary>0..3: STUN.</summary>
    Stun,

    /// <summary>20..63: DTLS.</summary>
    Dtls,

    /// <summary>128..191: RTP or RTCP.</summary>
    RtpOrRtcp,
}
