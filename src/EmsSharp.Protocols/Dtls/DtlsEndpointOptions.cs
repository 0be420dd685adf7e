namespace EmsSharp.Protocols.Dtls;

/// <summary>Timers and limits of a <see cref="DtlsEndpoint"/>.</summary>
public sealed record DtlsEndpointOptions
{
    /// <summary>First retransmission timer of each flight (RFC 6347 §4.2.4.1: 1 s).</summary>
    public TimeSpan InitialRetransmission { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The timer doubles on each retransmission up to this (RFC 6347 §4.2.4.1: at least 60 s, RFC 6298).</summary>
    public TimeSpan MaxRetransmission { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A handshake not complete this long after <see cref="DtlsEndpoint.Start"/> fails.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The largest datagram sent (RFC 6347 §4.1.1: the PMTU; handshake messages are fragmented to it, §4.2.3), and so
    /// the application-data limit: <see cref="DtlsEndpoint.SendLimit"/> is this less the record overhead.
    /// </summary>
    public int Mtu { get; init; } = 1200;

    /// <summary>The largest handshake message accepted (a certificate chain included); larger ones end the handshake.</summary>
    public int MaxHandshakeMessage { get; init; } = 16 * 1024;

    /// <summary>How many messages past the next expected one are buffered (RFC 6347 §4.2.2), at most.</summary>
    public int MaxBufferedMessages { get; init; } = 8;
}
