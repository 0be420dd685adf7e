namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// Tracks what one RTP sender has sent and builds its sender reports (RFC 3550 §6.4.1): the RTP
/// timestamp of the report is extrapolated from the last packet sent, using the media clock rate and
/// the monotonic time elapsed since, so that NTP and RTP timestamps name the same instant.
/// </summary>
public sealed class RtcpSenderReportBuilder
{
    private readonly uint _ssrc;
    private readonly int _clockRate;
    private uint _lastRtpTimestamp;
    private TimeSpan _lastSendTime;
    private bool _hasSent;

    /// <summary>Creates a builder for source <paramref name="ssrc"/> with an RTP clock of <paramref name="clockRate"/> Hz.</summary>
    public RtcpSenderReportBuilder(uint ssrc, int clockRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        _ssrc = ssrc;
        _clockRate = clockRate;
    }

    /// <summary>Packets sent so far.</summary>
    public uint PacketCount { get; private set; }

    /// <summary>Payload octets sent so far (RFC 3550 §6.4.1: headers and padding excluded).</summary>
    public uint OctetCount { get; private set; }

    /// <summary>Whether anything was sent (an SR is due only then; otherwise send an RR).</summary>
    public bool HasSent => _hasSent;

    /// <summary>Records one sent RTP packet: its timestamp, payload size and the monotonic send time.</summary>
    public void OnPacketSent(uint rtpTimestamp, int payloadLength, TimeSpan now)
    {
        _lastRtpTimestamp = rtpTimestamp;
        _lastSendTime = now;
        _hasSent = true;
        PacketCount++;
        OctetCount += (uint)payloadLength;
    }

    /// <summary>
    /// Builds a sender report for monotonic time <paramref name="now"/> and the wall clock
    /// <paramref name="wallClock"/> read at the same moment.
    /// </summary>
    public RtcpSenderReport Build(TimeSpan now, DateTimeOffset wallClock, RtcpReportBlock[]? reportBlocks = null)
    {
        long elapsedTicks = _hasSent ? (now - _lastSendTime).Ticks : 0;
        long elapsedUnits = elapsedTicks * _clockRate / TimeSpan.TicksPerSecond;
        return new RtcpSenderReport
        {
            Ssrc = _ssrc,
            NtpTimestamp = NtpTimestamp.FromDateTimeOffset(wallClock),
            RtpTimestamp = unchecked(_lastRtpTimestamp + (uint)elapsedUnits),
            PacketCount = PacketCount,
            OctetCount = OctetCount,
            ReportBlocks = reportBlocks ?? [],
        };
    }
}
