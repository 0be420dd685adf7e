namespace EmsSharp.WebRtc;

/// <summary>RFC 7983 §7 demultiplexing of one UDP port by the first byte.</summary>
public static class PacketDemux
{
    /// <summary>Classifies a datagram.</summary>
    public static PacketKind Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty)
        {
            return PacketKind.Unknown;
        }

        return datagram[0] switch
        {
            <= 3 => PacketKind.Stun,
            >= 20 and <= 63 => PacketKind.Dtls,
            >= 128 and <= 191 => PacketKind.RtpOrRtcp,
            _ => PacketKind.Unknown,
        };
    }
}
