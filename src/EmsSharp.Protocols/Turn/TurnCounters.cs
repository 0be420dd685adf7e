namespace EmsSharp.Protocols.Turn;

/// <summary>What a <see cref="TurnServer"/> did and refused, for metrics and tests.</summary>
public sealed class TurnCounters
{
    /// <summary>Inbound packets from clients that were neither valid STUN nor ChannelData.</summary>
    public long Malformed { get; internal set; }

    /// <summary>Requests answered 400, 401, 438 or 441.</summary>
    public long AuthenticationFailures { get; internal set; }

    /// <summary>Allocations created.</summary>
    public long AllocationsCreated { get; internal set; }

    /// <summary>Packets dropped because the peer address is forbidden by the peer policy.</summary>
    public long DroppedForbiddenPeer { get; internal set; }

    /// <summary>Packets dropped because there is no permission (or channel) for the peer (RFC 8656 §9).</summary>
    public long DroppedNoPermission { get; internal set; }

    /// <summary>Packets dropped by the per-allocation rate bound.</summary>
    public long DroppedRateLimited { get; internal set; }

    /// <summary>Packets dropped because no live allocation matches them.</summary>
    public long DroppedNoAllocation { get; internal set; }

    /// <summary>Packets dropped because their payload exceeds <see cref="TurnServer.MaxPayloadLength"/>.</summary>
    public long DroppedTooLarge { get; internal set; }

    /// <summary>Packets relayed from clients to peers.</summary>
    public long RelayedToPeers { get; internal set; }

    /// <summary>Packets relayed from peers to clients.</summary>
    public long RelayedToClients { get; internal set; }
}
