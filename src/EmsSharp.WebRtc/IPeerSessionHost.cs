using System.Net;
using EmsSharp.Protocols.Ice;

namespace EmsSharp.WebRtc;

/// <summary>
/// What a <see cref="PeerSession"/> needs from the port it lives on (the UDP driver, or a test network): the port is
/// the session's base 0 path.
/// </summary>
internal interface IPeerSessionHost : IPacketPath
{
    /// <summary>Local host candidates of the shared port.</summary>
    IReadOnlyList<IceCandidate> HostCandidates { get; }

    /// <summary>Datagrams from <paramref name="remote"/> belong to <paramref name="session"/> from now on.</summary>
    void Route(IPEndPoint remote, PeerSession session);

    /// <summary>
    /// The session's local ufrag changed (an ICE restart): checks that name the new one reach it, and
    /// <paramref name="previousUfrag"/> routes nothing any more.
    /// </summary>
    void ChangeUfrag(PeerSession session, string previousUfrag);

    /// <summary>The session is gone: drop its routes.</summary>
    void Detach(PeerSession session);
}
