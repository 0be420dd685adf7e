using System.Net;
using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Server.Ingest;

/// <summary>One announced media of an RTSP publisher: its description, ingest, and transport once set up.</summary>
internal sealed class RtspServerTrack(RtspMediaDescription media, RtpTrackIngest ingest)
{
    public RtspMediaDescription Media { get; } = media;

    public RtpTrackIngest Ingest { get; } = ingest;

    /// <summary>Interleaved RTP channel (TCP), or -1.</summary>
    public int RtpChannel { get; set; } = -1;

    /// <summary>The UDP receiver (UDP transport), or null.</summary>
    public RtpUdpReceiver? Udp { get; set; }

    /// <summary>Where the peer sends RTP from (UDP transport): its address and the port of its Transport header.</summary>
    public IPEndPoint? UdpSource { get; set; }

    public bool IsSetUp => RtpChannel >= 0 || Udp is not null;
}
