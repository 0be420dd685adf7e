using System.Net;
using EmsSharp.Server.Connections;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// How a WebRTC peer session (a viewer, or a WHIP publisher) is listed as a connection (listConnections,
/// shared/EVOSTREAM-API.md §4): EvoStream's WebRTC layers over the selected path's carrier, our end and the far end of
/// that path, each read when listed.
/// </summary>
internal static class PeerConnectionListing
{
    /// <summary>
    /// The spec of <paramref name="peer"/>'s connection (null until the session has one): UDP under ICE, DTLS, SCTP when
    /// it carries data channels, and the WebRTC connection; TCP instead of UDP on an ICE-TCP or TURN-over-TCP/TLS path.
    /// </summary>
    public static ConnectionSpec Create(WebRtcPort port, Func<PeerSession?> peer, bool dataChannels) =>
        new(ConnectionCarrier.Udp, () => Stack(peer()?.SelectedPathKind, dataChannels), () => Addresses(port, peer()), true)
        {
            CurrentCarrier = () => IsTcpPath(peer()?.SelectedPathKind) ? ConnectionCarrier.Tcp : ConnectionCarrier.Udp,
        };

    // EvoStream's WebRTC layers: the carrier, ICE over it, DTLS, SCTP for data channels, the WebRTC connection.
    private static IReadOnlyList<string> Stack(string? pathKind, bool dataChannels) => IsTcpPath(pathKind)
        ? dataChannels ? ["TCP", "ICET", "IDTLS", "SCTP", "WRTCCNX"] : ["TCP", "ICET", "IDTLS", "WRTCCNX"]
        : dataChannels ? ["UDP", "ICEU", "IDTLS", "SCTP", "WRTCCNX"] : ["UDP", "ICEU", "IDTLS", "WRTCCNX"];

    /// <summary>Far: the peer's end of the selected pair; near: the shared UDP port when that is the pair's path.</summary>
    public static (IPEndPoint? Near, IPEndPoint? Far) Addresses(WebRtcPort port, PeerSession? peer) =>
        (peer?.SelectedPathKind == "udp" ? port.BoundDriver?.LocalEndPoint : null, peer?.RemoteEndPoint);

    // ICE-TCP, and a TURN relay reached over TCP or TLS.
    private static bool IsTcpPath(string? kind) => kind is "tcp" or "turn/tcp" or "turn/tls";
}
