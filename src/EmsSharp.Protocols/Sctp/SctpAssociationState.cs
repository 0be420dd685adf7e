namespace EmsSharp.Protocols.Sctp;

/// <summary>Association states, RFC 9260 §4.</summary>
public enum SctpAssociationState
{
    /// <summary>No association yet (or it has ended).</summary>
    Closed,
    /// <summary>INIT sent, waiting for INIT ACK.</summary>
    CookieWait,
    /// <summary>COOKIE ECHO sent, waiting for COOKIE ACK.</summary>
    CookieEchoed,
    /// <summary>Data may flow both ways.</summary>
    Established,
    /// <summary>Shutdown requested locally; waiting for outstanding data.</summary>
    ShutdownPending,
    /// <summary>SHUTDOWN sent.</summary>
    ShutdownSent,
    /// <summary>SHUTDOWN received; finishing outstanding data.</summary>
    ShutdownReceived,
    /// <summary>SHUTDOWN ACK sent.</summary>
    ShutdownAckSent,
}
