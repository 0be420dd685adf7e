using System.Net;
using EmsSharp.Protocols.Ice;

namespace EmsSharp.WebRtc;

/// <summary>What a <see cref="PeerSession"/> needs from the port it lives on (the UDP driver, or a test network).</summary>
internal interface IPeerSessionHost
{
    /// <summary>Local host candidates of the shared port.</summary>
    IReadOnlyList<IceCandidate> HostCandidates { get; }

    /// <summary>Sends a datagram; thread-safe.</summary>
    void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination);

    /// <summary>Datagrams from <paramref name="remote"/> belong to <paramref name="session"/> from now on.</summary>
    void Route(IPEndPoint remote, PeerSession session);

    /// <summary>The session is gone: drop its routes.</summary>
    void Detach(PeerSession session);
}
