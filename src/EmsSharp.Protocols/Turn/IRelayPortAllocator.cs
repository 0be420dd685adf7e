using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// The relay socket seam: the driver binds a UDP socket for a new allocation and says which relayed
/// transport address to advertise (RFC 8656 §7.2); packets from peers on it come back through
/// <see cref="TurnServer.HandleRelayInbound"/> with that same address.
/// </summary>
public interface IRelayPortAllocator
{
    /// <summary>A new relayed transport address for <paramref name="client"/>, or null when none is free (508).</summary>
    /// <param name="client">The allocation's 5-tuple.</param>
    /// <param name="family">The address family requested (RFC 8656 §7.2, REQUESTED-ADDRESS-FAMILY).</param>
    /// <param name="evenPort">The client asked for an even port (RFC 8656 §14.6).</param>
    IPEndPoint? TryAllocate(TurnFiveTuple client, AddressFamily family, bool evenPort);

    /// <summary>Closes the relay socket of a deleted allocation.</summary>
    void Release(IPEndPoint relay);
}
