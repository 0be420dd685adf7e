namespace EmsSharp.Rendezvous.Configuration;

/// <summary>Limits on what clients control (ours). Rate limits slow clients down; none locks one out for good.</summary>
public sealed class ErsLimitsOptions
{
    /// <summary>Largest socket.io frame accepted; a bigger one closes the socket.</summary>
    public int MaxFrameLength { get; set; } = 64 * 1024;

    /// <summary>Open sockets plus pending handshakes per remote IP.</summary>
    public int MaxSocketsPerIp { get; set; } = 1000;

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

    /// <summary>Handshakes per second per IP (sustained); excess is delayed.</summary>
    public double HandshakesPerSecondPerIp { get; set; } = 50;

    /// <summary>Handshakes an IP may make in a burst.</summary>
    public double HandshakeBurst { get; set; } = 100;

    /// <summary>Longest a handshake is delayed before it is refused with 503 (the client retries).</summary>
    public double MaxHandshakeDelaySeconds { get; set; } = 2;

    /// <summary>Seconds a handshake waits for its websocket before the session is dropped.</summary>
    public double PendingHandshakeSeconds { get; set; } = 10;

    /// <summary>Frames queued for one slow socket before it is closed.</summary>
    public int MaxQueuedFrames { get; set; } = 1024;

    internal void Validate()
    {
        if (MaxFrameLength < 1024 || MaxSocketsPerIp < 1 || MaxRooms < 1 || MaxPeersPerRoom < 1 || MaxNameLength < 1
            || EventsPerSecond <= 0 || EventBurst < 1 || HandshakesPerSecondPerIp <= 0 || HandshakeBurst < 1
            || MaxHandshakeDelaySeconds < 0 || PendingHandshakeSeconds <= 0 || MaxQueuedFrames < 16)
        {
            throw new InvalidDataException("limits: a value is out of range (see ErsLimitsOptions)");
        }
    }
}
