namespace EmsSharp.Protocols.Sctp;

/// <summary>Settings of an <see cref="SctpAssociation"/>; defaults suit WebRTC (RFC 8831 §6, RFC 8841).</summary>
public sealed class SctpAssociationOptions
{
    /// <summary>Our SCTP port (the SDP <c>a=sctp-port</c>, 5000 by default).</summary>
    public ushort LocalPort { get; init; } = 5000;

    /// <summary>The peer's SCTP port (5000 by default).</summary>
    public ushort RemotePort { get; init; } = 5000;

    /// <summary>Largest SCTP packet we send; 1200 keeps DTLS datagrams under common path MTUs (RFC 8261 §5).</summary>
    public int Mtu { get; init; } = 1200;

    /// <summary>Largest message we accept (our <c>a=max-message-size</c>); a bigger one aborts the association.</summary>
    public int MaxMessageSize { get; init; } = 262144;

    /// <summary>
    /// Receive buffer; the a_rwnd we advertise when nothing is buffered. Each held chunk or waiting message costs its
    /// user data and 64 bytes of bookkeeping; it bounds too how many TSNs past the cumulative TSN we hold (window / 64).
    /// At least <see cref="MaxMessageSize"/> and an eighth.
    /// </summary>
    public int ReceiveWindow { get; init; } = 1024 * 1024;

    /// <summary>Outbound streams we ask for in INIT.</summary>
    public ushort OutboundStreams { get; init; } = 65535;

    /// <summary>Inbound streams we allow in INIT.</summary>
    public ushort InboundStreams { get; init; } = 65535;

    /// <summary>RTO.Initial (RFC 9260 §16: 1 s).</summary>
    public TimeSpan RtoInitial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>RTO.Min; lower than RFC 9260's 1 s as WebRTC stacks do.</summary>
    public TimeSpan RtoMin { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>RTO.Max (RFC 9260 §16: 60 s).</summary>
    public TimeSpan RtoMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Max.Init.Retransmits (RFC 9260 §16).</summary>
    public int MaxInitRetransmits { get; init; } = 8;

    /// <summary>Association.Max.Retrans (RFC 9260 §16).</summary>
    public int MaxRetransmissions { get; init; } = 10;

    /// <summary>HB.interval (RFC 9260 §16).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Delayed SACK timeout (RFC 9260 §6.2: at most 500 ms; 200 ms is usual).</summary>
    public TimeSpan DelayedAckTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Valid.Cookie.Life (RFC 9260 §16).</summary>
    public TimeSpan CookieLifetime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Seed for verification tags and initial TSNs in tests; null uses a cryptographic RNG.</summary>
    public int? RandomSeed { get; init; }
}
