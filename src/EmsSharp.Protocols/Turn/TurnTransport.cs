namespace EmsSharp.Protocols.Turn;

/// <summary>The transport between a TURN client and the server (RFC 8656 §3.1).</summary>
public enum TurnTransport
{
    /// <summary>UDP: one datagram is one STUN message or ChannelData message.</summary>
    Udp,

    /// <summary>TCP: a stream of STUN and ChannelData messages, ChannelData padded to 4 bytes (RFC 8656 §12.5).</summary>
    Tcp,

    /// <summary>TLS over TCP, framed like <see cref="Tcp"/>.</summary>
    Tls,
}
