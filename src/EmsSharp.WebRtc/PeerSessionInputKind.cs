namespace EmsSharp.WebRtc;

/// <summary>Kinds of work fed to a session's loop.</summary>
internal enum PeerSessionInputKind
{
    Datagram,
    Timer,
    Command,
    DtlsConnected,
    DtlsData,
    DtlsClosed,
    DataChannelSend,
}
