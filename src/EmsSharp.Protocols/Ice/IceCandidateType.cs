namespace EmsSharp.Protocols.Ice;

/// <summary>ICE candidate types (RFC 8445 §5.1.1) with their recommended type preferences (§5.1.2.2).</summary>
public enum IceCandidateType
{
    /// <summary>An address of a local interface.</summary>
    Host = 126,

    /// <summary>Learned from a connectivity check (RFC 8445 §7.2.5.3.1).</summary>
    PeerReflexive = 110,

    /// <summary>Learned from a STUN server.</summary>
    ServerReflexive = 100,

    /// <summary>Allocated on a TURN server.</summary>
    Relayed = 0,
}
