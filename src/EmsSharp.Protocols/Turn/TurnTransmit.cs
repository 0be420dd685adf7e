using System.Net;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// One packet the driver must send: either to the client over <see cref="Client"/> (when
/// <see cref="Peer"/> is null) or from the relay socket <see cref="Relay"/> to <see cref="Peer"/>.
/// </summary>
/// <param name="Client">The client 5-tuple the packet belongs to.</param>
/// <param name="Relay">The relayed transport address to send from (peer-bound packets only).</param>
/// <param name="Peer">The peer to send to; null for a packet to the client.</param>
/// <param name="Payload">The bytes to send (a whole datagram, or a whole frame on a stream).</param>
public readonly record struct TurnTransmit(TurnFiveTuple Client, IPEndPoint? Relay, IPEndPoint? Peer, ReadOnlyMemory<byte> Payload)
{
    /// <summary>True when the packet goes from a relay socket to a peer.</summary>
    public bool IsToPeer => Peer is not null;
}
