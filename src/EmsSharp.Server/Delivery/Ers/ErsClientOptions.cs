namespace EmsSharp.Server.Delivery.Ers;

/// <summary>Where and how an <see cref="ErsClient"/> connects (PROTOCOL.md §1.5 <c>startWebrtc</c>).</summary>
public sealed record ErsClientOptions
{
    /// <summary>IP address or host name of the (first) ERS (<c>ersIp</c>).</summary>
    public required string Host { get; init; }

    /// <summary>Its port 1..65535 (<c>ersPort</c>).</summary>
    public required int Port { get; init; }

    /// <summary>
    /// Further ERS nodes of the same rendezvous (issue 17: several ERS behind one Redis). The client dials
    /// <see cref="Host"/>:<see cref="Port"/> first and, after a disconnect or a failed connect, the next address, round robin.
    /// </summary>
    public IReadOnlyList<ErsAddress> MoreAddresses { get; init; } = [];

    /// <summary>Every address in dialling order: <see cref="Host"/>:<see cref="Port"/>, then <see cref="MoreAddresses"/>.</summary>
    public IReadOnlyList<ErsAddress> Addresses => [new(Host, Port), .. MoreAddresses];

    /// <summary>Room to hold (<c>roomId</c>).</summary>
    public required string RoomId { get; init; }

    /// <summary>EMS token the ERS may demand (<c>token</c>).</summary>
    public string Token { get; init; } = string.Empty;

    /// <summary>This server's name, sent in the join (<c>name</c>, default <c>evostreamms</c>).</summary>
    public string Name { get; init; } = "evostreamms";

    /// <summary>Reconnect and rejoin after any disconnect or refusal (<c>keepAlive</c>).</summary>
    public bool KeepAlive { get; init; } = true;

    /// <summary>Use TLS: <c>https</c> handshake and <c>wss</c> socket (<c>ersOverSsl</c>).</summary>
    public bool OverSsl { get; init; }

    /// <summary>Accept any TLS certificate of the ERS (self-signed set-ups and tests only).</summary>
    public bool AllowUntrustedCertificate { get; init; }

    /// <summary>Time allowed for the handshake and the websocket open.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait between reconnect attempts (PROTOCOL.md §1.5: capped at 10 s).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest frame accepted from the ERS.</summary>
    public int MaxFrameLength { get; init; } = 256 * 1024;
}
