using System.Net;
using EmsSharp.Protocols.Dtls;

namespace EmsSharp.WebRtc;

/// <summary>
/// One item of a session's input channel. <c>Data</c> of a datagram is pooled and returned after use; <c>Base</c> is the
/// local base (path) it arrived on.
/// </summary>
internal readonly record struct PeerSessionInput(
    PeerSessionInputKind Kind,
    byte[]? Data = null,
    int Length = 0,
    IPEndPoint? From = null,
    Action? Command = null,
    DtlsSrtpKeys? Keys = null,
    string? Error = null,
    PeerDataChannel? Channel = null,
    bool IsText = false,
    int Base = 0,
    WorkerMediaListener.RingPumps? Pumps = null);
