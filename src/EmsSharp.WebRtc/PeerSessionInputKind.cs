namespace EmsSharp.WebRtc;

/// <summary>Kinds of work a session's worker hands it.</summary>
internal enum PeerSessionInputKind
{
    Datagram,
    Timer,
    Command,

    /// <summary>A command that runs even on a closed session (it checks the state itself): close, and awaited calls.</summary>
    Control,
    DtlsConnected,
    DtlsData,
    DtlsClosed,
    DataChannelSend,

    /// <summary>A stream ring has new units: the worker runs that ring's media pumps (no session).</summary>
    MediaPass,
}
