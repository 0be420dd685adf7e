namespace EmsSharp.Server.Delivery.Ers;

/// <summary>Where and how an <see cref="ErsClient"/> connects (PROTOCOL.md §1.5 <c>startWebrtc</c>).</summary>
public sealed record ErsClientOptions
{
    /// <summary>IP address or host name of the ERS (<c>ersIp</c>).</summary>
    public required string Host { get; init; }

    /// <summary>ERS port 1..65535 (<c>ersPort</c>).</summary>
    public required int Port { get; init; }

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
