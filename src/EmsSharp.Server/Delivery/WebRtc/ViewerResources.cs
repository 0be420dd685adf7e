using EmsSharp.Media.Hub;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.Rtp;
using EmsSharp.Server.Events;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// What every WebRTC viewer of the server shares, however it came (a browser of an ERS room, a WHEP player): the hub
/// and its per-stream sources, the one UDP port, where viewers are listed and counted, and the clock.
/// </summary>
internal sealed class ViewerResources(
    StreamHub hub, WebRtcPort port, AudioTranscoders transcoders, Fmp4SourceManager fmp4Sources, RtpSourceManager rtpSources,
    OutboundStreamRegistry outputs, StreamAliases aliases, IOptions<WebRtcOptions> options, IEventPublisher events, TimeProvider time,
    ILoggerFactory loggerFactory, ConnectionRegistry connections, ViewerCap viewers)
{
    public StreamHub Hub => hub;

    public WebRtcPort Port => port;

    public AudioTranscoders Transcoders => transcoders;

    /// <summary>The shared per-stream fMP4 sources (the fmp4 transport reads them, as WS-FMP4 does).</summary>
    public Fmp4SourceManager Fmp4Sources => fmp4Sources;

    /// <summary>The shared per-stream RTP sources (the srtp transport packetizes once per stream).</summary>
    public RtpSourceManager RtpSources => rtpSources;

    /// <summary>Where each viewer is listed as an outbound stream once it sends its stream.</summary>
    public OutboundStreamRegistry Outputs => outputs;

    /// <summary>The stream aliases a viewer's name may be (addStreamAlias): resolved where the viewer names its stream.</summary>
    public StreamAliases Aliases => aliases;

    public WebRtcOptions Options => options.Value;

    public IEventPublisher Events => events;

    public TimeProvider Time => time;

    public ILoggerFactory LoggerFactory => loggerFactory;

    /// <summary>Where each viewer's session is listed as a connection (listConnections) while it lives.</summary>
    public ConnectionRegistry Connections => connections;

    /// <summary>Where each viewer's session holds its place under <see cref="WebRtcOptions.MaxViewers"/> while it lives.</summary>
    public ViewerCap Viewers => viewers;
}
