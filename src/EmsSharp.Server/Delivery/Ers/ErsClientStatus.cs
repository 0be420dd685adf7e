namespace EmsSharp.Server.Delivery.Ers;

/// <summary>The state an <see cref="ErsClient"/> reports through <see cref="ErsClient.StatusChanged"/>.</summary>
public enum ErsClientStatus
{
    /// <summary>Created, not started.</summary>
    Idle,

    /// <summary>Handshaking, opening the websocket or waiting for the join ack.</summary>
    Connecting,

    /// <summary>In the room as its EMS.</summary>
    Joined,

    /// <summary>The ERS refused the join; the description holds its reason (<c>room taken</c>, <c>room not allowed</c>, <c>invalid token</c>).</summary>
    Refused,

    /// <summary>The connection ended or could not be made; the description says why.</summary>
    Disconnected,

    /// <summary>Waiting before the next attempt (keepAlive).</summary>
    Reconnecting,

    /// <summary>Stopped by <see cref="ErsClient.StopAsync"/> or without keepAlive after a disconnect.</summary>
    Stopped,
}
