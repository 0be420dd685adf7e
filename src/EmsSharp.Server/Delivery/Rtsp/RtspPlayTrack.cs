using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Server.Delivery.Rtsp;

/// <summary>
/// One media of an RTSP player's session: what DESCRIBE offered, how SETUP said to send it (interleaved channels or a
/// UDP socket pair towards the client's ports) and the RTP sender state (SSRC, sequence number, timestamp offset, all
/// random per RFC 3550 §5.1) with its sender report builder.
/// </summary>
internal sealed class RtspPlayTrack : IDisposable
{
    public RtspPlayTrack(RtspPlayMedia media, int index)
    {
        Media = media;
        Index = index;
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        Ssrc = BitConverter.ToUInt32(random);
        Sequence = BitConverter.ToUInt16(random[4..]);
        TimestampOffset = BitConverter.ToUInt32(random[6..]);
        Reports = new RtcpSenderReportBuilder(Ssrc, media.ClockRate);
    }

    public RtspPlayMedia Media { get; }

    /// <summary>The media's place in the SDP (its control is <c>trackID=&lt;index&gt;</c>).</summary>
    public int Index { get; }

    public uint Ssrc { get; }

    /// <summary>The sequence number of the next RTP packet.</summary>
    public ushort Sequence { get; set; }

    /// <summary>Added to the hub timestamp (scaled to <see cref="RtspPlayMedia.ClockRate"/>) to make the RTP timestamp.</summary>
    public uint TimestampOffset { get; }

    public RtcpSenderReportBuilder Reports { get; }

    /// <summary>The interleaved RTP channel (RTCP is <see cref="RtcpChannel"/>), or -1 for UDP.</summary>
    public int RtpChannel { get; set; } = -1;

    public int RtcpChannel { get; set; } = -1;

    /// <summary>The UDP sockets (our even RTP port and the odd RTCP one after it), or null for TCP.</summary>
    public (Socket Rtp, Socket Rtcp)? Udp { get; set; }

    /// <summary>The client's RTP and RTCP addresses (UDP).</summary>
    public (IPEndPoint Rtp, IPEndPoint Rtcp)? Destination { get; set; }

    /// <summary>When the next sender report is due (a <see cref="System.Diagnostics.Stopwatch"/> timestamp; 0: after the first packet).</summary>
    public long NextReport { get; set; }

    public bool IsSetUp => RtpChannel >= 0 || Udp is not null;

    public void Dispose()
    {
        if (Udp is { } udp)
        {
            udp.Rtp.Dispose();
            udp.Rtcp.Dispose();
        }
    }
}
