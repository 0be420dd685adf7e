namespace EmsSharp.Protocols.Turn;

/// <summary>Kinds of <see cref="TurnClientEvent"/>.</summary>
public enum TurnClientEventKind
{
    /// <summary>The allocation exists: <see cref="TurnClient.RelayedAddress"/> is the relayed transport address.</summary>
    Allocated,

    /// <summary>A peer's datagram arrived through the relay (a Data indication, RFC 8656 §11.4).</summary>
    Data,

    /// <summary>The allocation failed or was lost; <see cref="TurnClientEvent.Reason"/> says why.</summary>
    Failed,
}
