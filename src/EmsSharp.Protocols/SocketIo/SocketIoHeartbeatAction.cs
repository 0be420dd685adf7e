namespace EmsSharp.Protocols.SocketIo;

/// <summary>What the driver must do after <see cref="SocketIoHeartbeat.HandleTimeout"/>.</summary>
public enum SocketIoHeartbeatAction
{
    /// <summary>Nothing is due.</summary>
    None,

    /// <summary>Send a <c>2::</c> heartbeat frame.</summary>
    SendHeartbeat,

    /// <summary>Nothing was received within the close timeout: close the socket.</summary>
    Close,
}
