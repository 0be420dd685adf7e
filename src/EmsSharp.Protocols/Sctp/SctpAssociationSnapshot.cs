namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// Where an association's sender stands at one moment (for operators and failure reports): what is in flight and may be
/// sent (RFC 9260 §6.1, §7.2), when it will next act, and its counters. Times are relative to the moment asked.
/// </summary>
/// <param name="State">The association's state.</param>
/// <param name="FlightSize">Bytes of DATA sent and not yet acknowledged.</param>
/// <param name="CongestionWindow">cwnd (§7.2.1).</param>
/// <param name="PeerReceiveWindow">The peer's advertised receive window as last heard, less what is in flight (§6.2.1).</param>
/// <param name="OutstandingTsns">TSNs sent and not cumulatively acknowledged.</param>
/// <param name="QueuedMessages">Messages not yet fully sent.</param>
/// <param name="RetransmissionTimerIn">When T3-rtx expires (§6.3.2); null when it is not running.</param>
/// <param name="NextTimeoutIn">When the association next needs a timer call; null when never.</param>
/// <param name="Rto">The retransmission timeout (§6.3.1).</param>
/// <param name="LastActivityAgo">How long since a packet came from the peer.</param>
/// <param name="PacketsSent">Packets sent.</param>
/// <param name="PacketsReceived">Packets received.</param>
/// <param name="Retransmissions">DATA chunks sent again.</param>
/// <param name="FastRetransmits">Fast retransmissions (§7.2.4).</param>
/// <param name="T3Expiries">T3-rtx expiries.</param>
public readonly record struct SctpAssociationSnapshot(
    SctpAssociationState State,
    int FlightSize,
    int CongestionWindow,
    long PeerReceiveWindow,
    long OutstandingTsns,
    int QueuedMessages,
    TimeSpan? RetransmissionTimerIn,
    TimeSpan? NextTimeoutIn,
    TimeSpan Rto,
    TimeSpan LastActivityAgo,
    long PacketsSent,
    long PacketsReceived,
    long Retransmissions,
    long FastRetransmits,
    long T3Expiries);
