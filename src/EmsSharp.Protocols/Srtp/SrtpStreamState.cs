namespace EmsSharp.Protocols.Srtp;

/// <summary>Per-SSRC cryptographic state of one direction (RFC 3711 §3.2.1 "cryptographic context").</summary>
internal sealed class SrtpStreamState
{
    /// <summary>Highest RTP packet index (ROC * 2^16 + SEQ) seen, or -1 before the first packet.</summary>
    public long HighestRtpIndex { get; set; } = -1;

    /// <summary>Replay window over RTP packet indices (receiver side).</summary>
    public SrtpReplayWindow RtpReplay;

    /// <summary>Next SRTCP index to send (31 bits, RFC 3711 §3.4).</summary>
    public uint NextRtcpIndex { get; set; }

    /// <summary>Replay window over received SRTCP indices.</summary>
    public SrtpReplayWindow RtcpReplay;

    /// <summary>
    /// Estimates the 48-bit packet index of <paramref name="sequenceNumber"/> (RFC 3711 §3.3.1, Appendix A):
    /// the candidate among ROC-1, ROC, ROC+1 closest to the highest index seen. -1 if it would precede index 0.
    /// </summary>
    public long EstimateIndex(ushort sequenceNumber)
    {
        if (HighestRtpIndex < 0)
        {
            return sequenceNumber;
        }
        long delta = (short)(ushort)(sequenceNumber - (ushort)HighestRtpIndex);
        long index = HighestRtpIndex + delta;
        return index is < 0 or >= 1L << 48 ? -1 : index;
    }
}
