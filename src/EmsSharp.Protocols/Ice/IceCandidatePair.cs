using System.Net;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Ice;

/// <summary>
/// A check-list entry, keyed by its local base and remote endpoint. All host (and server-reflexive) candidates share
/// base 0, the one UDP socket, where the operating system picks the local address; a relayed candidate or an ICE-TCP
/// connection is a base of its own.
/// </summary>
internal sealed class IceCandidatePair(int localBase, IceCandidate remote, IPEndPoint remoteEndPoint, ulong priority)
{
    /// <summary>The local base the pair sends from (RFC 8445 §5.1.1.3).</summary>
    public int Base { get; } = localBase;

    public IceCandidate Remote { get; set; } = remote;

    public IPEndPoint RemoteEndPoint { get; } = remoteEndPoint;

    public ulong Priority { get; set; } = priority;

    public IceCandidatePairState State { get; set; } = IceCandidatePairState.Waiting;

    /// <summary>The check in flight on this pair, if any.</summary>
    public StunClientTransaction? Transaction { get; set; }

    /// <summary>Whether the check in flight carries USE-CANDIDATE.</summary>
    public bool TransactionNominates { get; set; }

    /// <summary>Controlled side: the peer sent USE-CANDIDATE on this pair (RFC 8445 §7.3.1.5).</summary>
    public bool NominatedByPeer { get; set; }

    /// <summary>A triggered check is queued (RFC 8445 §7.3.1.4).</summary>
    public bool Triggered { get; set; }
}
