using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sdp;

namespace EmsSharp.WebRtc;

/// <summary>Per-session settings.</summary>
public sealed record PeerSessionOptions
{
    /// <summary>The DTLS identity (one per server is fine).</summary>
    public required DtlsCertificate Certificate { get; init; }

    /// <summary>Our DTLS role when we answer an <c>actpass</c> offer (RFC 8842 §5.3 recommends active = client).</summary>
    public DtlsRole AnswerDtlsRole { get; init; } = DtlsRole.Client;

    /// <summary>Media and SCTP parameters used when answering a browser's offer.</summary>
    public WebRtcOfferOptions AnswerOptions { get; init; } = new() { Video = true, Audio = true, DataChannel = true };

    /// <summary>Only accept loopback remote addresses (tests).</summary>
    public bool LoopbackOnly { get; init; }

    /// <summary>
    /// ICE transport policy "relay" (as <c>RTCConfiguration.iceTransportPolicy</c>, W3C webrtc-pc §4.2.1): only relayed
    /// candidates are signalled and checked, so the session connects through a relay base (<see cref="TurnRelay.Attach"/>)
    /// or not at all.
    /// </summary>
    public bool RelayOnly { get; init; }

    /// <summary>How long after our offer the answer (the remote description) may take; then the session fails.</summary>
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long DTLS may take once ICE connected; then the session fails and its handshake ends. The handshake starts
    /// only once ICE connected, so a peer that never completes ICE gets no DTLS answer.
    /// </summary>
    public TimeSpan DtlsTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Seed for the ICE consent jitter; random when null.</summary>
    public int? RandomSeed { get; init; }
}
