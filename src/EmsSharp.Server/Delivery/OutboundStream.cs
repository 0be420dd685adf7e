using System.Net;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// One output of a live stream as the API lists it beside the inbound streams (EvoStream's outbound stream,
/// shared/EVOSTREAM-API.md §2): a viewer of WS-FMP4, WebRTC, RTMP or RTSP, an HLS output, a push. It has a uniqueId of
/// the inbound streams' space, an <c>O…</c> type tag, the inbound stream it reads, and its viewer's addresses and counters.
/// Made and ended by <see cref="OutboundStreamRegistry"/>.
/// </summary>
internal sealed class OutboundStream
{
    /// <summary>fMP4 over a network connection: WS-FMP4 and WebRTC data channel viewers (RMS <c>ST_OUT_NET_FMP4</c>).</summary>
    public const string Fmp4Tag = "ONFMP4";

    /// <summary>
    /// RTP to a network peer (RMS <c>ST_OUT_NET_RTP</c>): a WebRTC viewer of native media (SRTP). EvoStream's WebRTC sent
    /// fMP4 only and has no tag of its own for it; SRTP is RTP, so this is the nearest of its tags.
    /// </summary>
    public const string RtpTag = "ONP";

    /// <summary>RTMP to a network player (RMS <c>ST_OUT_NET_RTMP</c>, EvoStream's <c>ONR</c>): an RTMP play of the ems's listener.</summary>
    public const string RtmpTag = "ONR";

    /// <summary>HLS files (RMS <c>ST_OUT_FILE_HLS</c>, EvoStream's <c>OFHLS</c>): a createHLSStream output.</summary>
    public const string HlsTag = "OFHLS";

    /// <summary>DASH files (RMS <c>ST_OUT_FILE_DASH</c>, EvoStream's <c>OFDASH</c>): a createDASHStream output.</summary>
    public const string DashTag = "OFDASH";

    private readonly Func<(IPEndPoint? Near, IPEndPoint? Far)> _addresses;
    private readonly Func<JsonObject> _extra;
    private readonly Action _shutdown;
    private readonly Func<ViewerRoute>? _route;
    private readonly Lock _rateGate = new();
    private (DateTimeOffset At, long VideoBytes, long AudioBytes) _rateSample;
    private (long Video, long Audio) _rate;

    internal OutboundStream(long id, DateTimeOffset createdAt, OutboundStreamSpec spec)
    {
        Id = id;
        CreatedAt = createdAt;
        Source = spec.Source;
        TypeTag = spec.TypeTag;
        ConnectionType = spec.ConnectionType;
        Counters = spec.Counters;
        _addresses = spec.Addresses;
        _extra = spec.Extra;
        _shutdown = spec.Shutdown;
        _route = spec.Route;
        _rateSample = (createdAt, 0, 0);
    }

    /// <summary>The uniqueId (shared with the inbound streams' ids).</summary>
    public long Id { get; }

    /// <summary>The inbound stream this output reads.</summary>
    public LiveStream Source { get; }

    /// <summary>EvoStream's type tag (<see cref="Fmp4Tag"/>, <see cref="RtpTag"/>, <see cref="RtmpTag"/>).</summary>
    public string TypeTag { get; }

    /// <summary>EvoStream's connectionType: 9 for a WebRTC viewer, 0 (standard, no configuration) for a WS-FMP4 one.</summary>
    public OperationType? ConnectionType { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>What the output sent so far.</summary>
    public ViewerTrafficCounters Counters { get; }

    /// <summary>
    /// The video and audio bit rates the output sent lately (EvoStream's <c>currVideoBitRate</c>, <c>currAudioBitRate</c>):
    /// measured from the previous sample when that is at least a second old (the first from the output's creation), else
    /// the previous sample's figures. Sampled when the API asks, so the send path pays nothing for it.
    /// </summary>
    public (long Video, long Audio) CurrentBitsPerSecond(DateTimeOffset now)
    {
        lock (_rateGate)
        {
            var elapsed = (now - _rateSample.At).TotalSeconds;
            if (elapsed >= 1 || (_rate == default && elapsed > 0))
            {
                var audio = Counters.AudioBytes;
                var video = Counters.Bytes - audio;
                _rate = ((long)((video - _rateSample.VideoBytes) * 8 / elapsed), (long)((audio - _rateSample.AudioBytes) * 8 / elapsed));
                if (elapsed >= 1)
                {
                    _rateSample = (now, video, audio);
                }
            }

            return _rate;
        }
    }

    /// <summary>Our end and the viewer's end of the output's connection now (the selected ICE pair for WebRTC).</summary>
    public (IPEndPoint? Near, IPEndPoint? Far) Addresses => _addresses();

    /// <summary>A WebRTC viewer's selected candidate pair now; null for other outputs.</summary>
    public ViewerRoute? Route => _route?.Invoke();

    /// <summary>Our own members of the output's stream object (protocol, peer, room...), a new object each call.</summary>
    public JsonObject CreateExtra() => _extra();

    /// <summary>Ends the output (its viewer is disconnected); the registry hears of it when its owner closes it.</summary>
    public void Shutdown() => _shutdown();
}

/// <summary>What an output tells <see cref="OutboundStreamRegistry.Open"/> about itself.</summary>
/// <param name="Source">The inbound stream it reads.</param>
/// <param name="TypeTag">Its EvoStream type tag.</param>
/// <param name="ConnectionType">Its configuration's operationType, or null (0, standard) when no command made it.</param>
/// <param name="Counters">What it sent.</param>
/// <param name="Addresses">Our end and the viewer's end, read when listed.</param>
/// <param name="Extra">Our own members, read when listed.</param>
/// <param name="Shutdown">Ends it (for <c>shutdownStream</c>); must not block.</param>
/// <param name="Route">A WebRTC viewer's selected pair, read when measured; null for other outputs.</param>
internal sealed record OutboundStreamSpec(
    LiveStream Source,
    string TypeTag,
    OperationType? ConnectionType,
    ViewerTrafficCounters Counters,
    Func<(IPEndPoint? Near, IPEndPoint? Far)> Addresses,
    Func<JsonObject> Extra,
    Action Shutdown,
    Func<ViewerRoute>? Route = null);

/// <summary>How a WebRTC viewer is reached: its selected candidate pair.</summary>
/// <param name="CandidateType">The viewer's candidate (RFC 8839 §5.1: host, srflx, prflx, relay); null before ICE connected.</param>
/// <param name="Path">Our end's path (<c>udp</c>: the shared port, <c>tcp</c>: ICE-TCP, <c>turn/tcp</c>, <c>turn/tls</c>: our relay).</param>
internal readonly record struct ViewerRoute(string? CandidateType, string? Path);
