using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sdp;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// What a <see cref="ViewerSession"/> plugs in to move media once the peer connection is up: the srtp
/// transport (<see cref="SrtpMediaSender"/>) or, later, the fmp4 data-channel transport. The session owns
/// signalling, ICE and DTLS; the sender owns everything after <see cref="Start"/>.
/// </summary>
internal interface IViewerMediaSender : IAsyncDisposable
{
    /// <summary>The m-sections to offer (send-only media for srtp, an application section for fmp4).</summary>
    WebRtcOfferOptions OfferOptions { get; }

    /// <summary>Packets and bytes sent so far (for <c>listWebrtcPeers</c>).</summary>
    ViewerTrafficCounters Counters { get; }

    /// <summary>
    /// The sender began sending <c>the stream</c> (srtp: once the peer connection is up; fmp4: once the browser's request
    /// found it). Raised once, on any thread.
    /// </summary>
    event Action<IViewerMediaSender, LiveStream>? Streaming;

    /// <summary>The media ended for good (the stream closed); the argument says why in plain words.</summary>
    event Action<IViewerMediaSender, string>? Ended;

    /// <summary>
    /// DTLS completed on <paramref name="session"/>: start sending. Called once, on the session's loop; must not block.
    /// </summary>
    void Start(PeerSession session, DtlsSrtpKeys keys);
}
