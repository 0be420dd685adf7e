using EmsSharp.WebRtc;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// The <c>WebRtc</c> section: the one UDP port every browser session shares, and what its candidates say.
/// Defaults work with no configuration: UDP 5004 on every interface, host candidates enumerated.
/// </summary>
internal sealed class WebRtcOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "WebRtc";

    /// <summary>
    /// The UDP port of all WebRTC media (5004, the RTP default of RFC 3551, so a firewall or NAT needs one rule);
    /// 0 picks a free port (tests). Bound when the first browser session starts.
    /// </summary>
    public int UdpPort { get; set; } = 5004;

    /// <summary>
    /// Offer ICE-TCP passive candidates (RFC 6544) on <see cref="TcpPort"/>, so a browser whose UDP is blocked plays
    /// from a reachable server without a relay.
    /// </summary>
    public bool IceTcp { get; set; } = true;

    /// <summary>The ICE-TCP port; by default the same number as <see cref="UdpPort"/> (one number to open, udp and tcp).</summary>
    public int? TcpPort { get; set; }

    /// <summary>Address to bind (default every IPv4 interface).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Offer loopback host candidates too (a browser on the same machine).</summary>
    public bool IncludeLoopback { get; set; }

    /// <summary>Addresses to announce instead of the interfaces' (e.g. the public IP of a 1:1 NAT).</summary>
    public List<string> CandidateAddresses { get; set; } = [];

    /// <summary>
    /// How a frame's packets to one viewer leave the UDP port: <c>Auto</c> (one <c>sendmmsg</c> per frame on Linux, UDP
    /// GSO where the kernel has it), <c>Sendmmsg</c> (no GSO) or <c>Off</c> (one <c>sendto</c> per packet, the portable path).
    /// </summary>
    public UdpBatchMode BatchedSends { get; set; }

    /// <summary>
    /// Take every datagram already queued on the UDP port with one <c>recvmmsg</c> call (64-bit Linux; the default);
    /// false: one <c>recvfrom</c> per datagram, the portable path.
    /// </summary>
    public bool BatchedReceives { get; set; } = true;

    /// <summary>
    /// Session workers: loops that each own many viewers' sessions (ICE, DTLS, SCTP, their timers). 0 (the default)
    /// means one per processor.
    /// </summary>
    public int Workers { get; set; }

    /// <summary>
    /// The most WebRTC viewer sessions (ERS room browsers and WHEP players, handshaking or playing) the ems serves at once;
    /// one more is refused at once with <c>connectivityError</c> reason <c>unavailable</c> (WHEP: 503). 0 (the default):
    /// no cap. Reported to the ERS as <c>maxViewers</c> in <c>emsLoad</c>.
    /// </summary>
    public int MaxViewers { get; set; }

    /// <summary>How long a viewer waits for its stream to appear before it is told the stream is unknown.</summary>
    public TimeSpan StreamWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Path of ffmpeg for the AAC to Opus transcoder (found on PATH by default).</summary>
    public string FfmpegPath { get; set; } = "ffmpeg";
}
