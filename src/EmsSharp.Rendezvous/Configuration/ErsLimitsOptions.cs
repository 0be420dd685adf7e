namespace EmsSharp.Rendezvous.Configuration;

/// <summary>Limits on what clients control (ours). Rate limits slow clients down; none locks one out for good.</summary>
public sealed class ErsLimitsOptions
{
    /// <summary>Largest socket.io frame accepted; a bigger one closes the socket.</summary>
    public int MaxFrameLength { get; set; } = 64 * 1024;

    /// <summary>Open sockets plus handshakes in progress or pending per remote IP.</summary>
    public int MaxSocketsPerIp { get; set; } = 1000;

    /// <summary>
    /// TCP connections one remote IP may hold on the signalling listener (handshakes, websockets, page loads); more are
    /// closed at accept. Unset: twice <see cref="MaxSocketsPerIp"/> (a socket.io client holds its websocket and often
    /// the kept-alive connection of its handshake); when set, at least <see cref="MaxSocketsPerIp"/>.
    /// </summary>
    public int? MaxConnectionsPerIp { get; set; }

    /// <summary>TCP connections the signalling listener holds in all; more are closed at accept. Unset: no cap.</summary>
    public int? MaxConnections { get; set; }

    /// <summary>TCP connections the admin listener holds in all; more are closed at accept.</summary>
    public int MaxAdminConnections { get; set; } = 64;

    /// <summary>TCP connections one remote IP may hold on the admin listener; more are closed at accept.</summary>
    public int MaxAdminConnectionsPerIp { get; set; } = 32;

    /// <summary>Rooms in use at once.</summary>
    public int MaxRooms { get; set; } = 10_000;

    /// <summary>Members of one room.</summary>
    public int MaxPeersPerRoom { get; set; } = 1000;

    /// <summary>Length of a room name, token or stream name.</summary>
    public int MaxNameLength { get; set; } = 256;

    /// <summary>Events per second per socket (sustained); excess is delayed.</summary>
    public double EventsPerSecond { get; set; } = 100;

    /// <summary>Events a socket may send in a burst.</summary>
    public double EventBurst { get; set; } = 200;

    /// <summary>
    /// Bytes of events per second per socket (sustained); excess is delayed (the socket is not read meanwhile),
    /// so a peer flooding others with large messages is slowed at its own socket.
    /// </summary>
    public double EventBytesPerSecond { get; set; } = 1024 * 1024;

    /// <summary>Bytes of events a socket may send in a burst; at least <see cref="MaxFrameLength"/>.</summary>
    public double EventByteBurst { get; set; } = 4 * 1024 * 1024;

    /// <summary>Handshakes per second per IP (sustained); excess is delayed.</summary>
    public double HandshakesPerSecondPerIp { get; set; } = 50;

    /// <summary>Handshakes an IP may make in a burst.</summary>
    public double HandshakeBurst { get; set; } = 100;

    /// <summary>Longest a handshake is delayed before it is refused with 503 (the client retries).</summary>
    public double MaxHandshakeDelaySeconds { get; set; } = 2;

    /// <summary>Seconds a handshake waits for its websocket before the session is dropped.</summary>
    public double PendingHandshakeSeconds { get; set; } = 10;

    /// <summary>
    /// Seconds a client of the signalling port has to complete its TLS handshake (with <c>server.secure</c>); one that
    /// connects and sends nothing, or half a ClientHello, is dropped then.
    /// </summary>
    public double TlsHandshakeSeconds { get; set; } = 10;

    /// <summary>
    /// Bytes (UTF-16 text) queued for one socket. Relayed messages may fill three quarters of it; when a frame of
    /// the server's own (ack, heartbeat, join event) no longer fits, the socket does not read and is closed.
    /// </summary>
    public long MaxQueuedBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Bytes of one sender's relayed messages queued for one socket; beyond, the sender's messages are refused.</summary>
    public long MaxQueuedBytesPerSender { get; set; } = 512 * 1024;

    /// <summary>
    /// Seconds a WHEP offer posted to the ERS waits for the EMS's answer; past it the player gets 504 and the session is
    /// removed. The ems itself waits up to its stream wait (10 s by default) before it answers or refuses.
    /// </summary>
    public double WhepAnswerSeconds { get; set; } = 20;

    /// <summary>The signalling listener's cap per IP: <see cref="MaxConnectionsPerIp"/> or its default.</summary>
    internal int SignallingConnectionsPerIp => MaxConnectionsPerIp ?? (int)Math.Min(int.MaxValue, 2L * MaxSocketsPerIp);

    internal void Validate()
    {
        if (MaxFrameLength < 1024 || MaxSocketsPerIp < 1 || MaxRooms < 1 || MaxPeersPerRoom < 1 || MaxNameLength < 1
            || EventsPerSecond <= 0 || EventBurst < 1 || EventBytesPerSecond <= 0 || EventByteBurst < MaxFrameLength || HandshakesPerSecondPerIp <= 0 || HandshakeBurst < 1
            || MaxHandshakeDelaySeconds < 0 || PendingHandshakeSeconds <= 0 || WhepAnswerSeconds <= 0 || TlsHandshakeSeconds <= 0 || TlsHandshakeSeconds > 300)
        {
            throw new InvalidDataException("limits: a value is out of range (see ErsLimitsOptions)");
        }

        if (MaxConnectionsPerIp < MaxSocketsPerIp || MaxConnections < 1 || MaxAdminConnections < 1
            || MaxAdminConnectionsPerIp < 1 || MaxAdminConnectionsPerIp > MaxAdminConnections)
        {
            throw new InvalidDataException(
                "limits: maxConnectionsPerIp must be at least maxSocketsPerIp (or unset), maxConnections at least 1 (or unset), "
                + "maxAdminConnectionsPerIp 1..maxAdminConnections");
        }

        // A relayed frame of the largest size (UTF-16: two bytes per character) must fit a sender's share,
        // and a sender's share the relayed part (three quarters) of the outbox.
        if (MaxQueuedBytesPerSender < 4L * MaxFrameLength || MaxQueuedBytes < 2 * MaxQueuedBytesPerSender)
        {
            throw new InvalidDataException(
                $"limits: maxQueuedBytesPerSender must be at least 4 x maxFrameLength ({4L * MaxFrameLength}) and maxQueuedBytes at least twice maxQueuedBytesPerSender");
        }
    }
}
