namespace EmsSharp.WebRtc;

/// <summary>Lifecycle of a <see cref="PeerSession"/>.</summary>
public enum PeerSessionState
{
    /// <summary>Created; no remote description yet.</summary>
    New,

    /// <summary>ICE connectivity checks running.</summary>
    Checking,

    /// <summary>ICE selected a pair; the DTLS handshake is running.</summary>
    DtlsHandshaking,

    /// <summary>ICE and DTLS done: SRTP keys derived, application data flows.</summary>
    Connected,

    /// <summary>ICE failed, consent expired or the DTLS handshake failed.</summary>
    Failed,

    /// <summary>Closed by the owner or by the peer (close_notify).</summary>
    Closed,
}
