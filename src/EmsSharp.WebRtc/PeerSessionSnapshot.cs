using EmsSharp.Protocols.Sctp;

namespace EmsSharp.WebRtc;

/// <summary>
/// Where a session stands, read on its worker (<see cref="PeerSession.GetSnapshotAsync"/>): for operators
/// (<c>listWebrtcPeers</c>) and for failure reports, which must say whether a stalled viewer's session still had a timer
/// coming and what its data channels' sender held. Times are relative to the moment read.
/// </summary>
/// <param name="State">The session's state.</param>
/// <param name="WakeIn">When the session asked its worker to wake it; null when it has no deadline.</param>
/// <param name="QueuedWakeIn">The session's earliest entry in its worker's timer queue; null when none.</param>
/// <param name="WorkerTimerIn">When the worker's one timer is set to fire; null when it is not set.</param>
/// <param name="WorkerQueued">Inputs waiting on the worker.</param>
/// <param name="Sctp">The data channels' association, once they started.</param>
/// <param name="DtlsDatagramsSent">DTLS datagrams handed to the selected path (handshake flights and records).</param>
/// <param name="SctpPacketsRefused">SCTP packets the DTLS transport did not take (closed, or over its send limit).</param>
/// <param name="DtlsDatagramsReceived">DTLS datagrams from the peer handed to the DTLS transport.</param>
/// <param name="DtlsDatagramsRefused">Of those, the ones it refused (its queue full, or it closed).</param>
/// <param name="DtlsRecordsDelivered">Application-data records the DTLS transport delivered (SCTP packets in).</param>
public readonly record struct PeerSessionSnapshot(
    PeerSessionState State,
    TimeSpan? WakeIn,
    TimeSpan? QueuedWakeIn,
    TimeSpan? WorkerTimerIn,
    int WorkerQueued,
    SctpAssociationSnapshot? Sctp,
    long DtlsDatagramsSent,
    long SctpPacketsRefused,
    long DtlsDatagramsReceived,
    long DtlsDatagramsRefused,
    long DtlsRecordsDelivered);
