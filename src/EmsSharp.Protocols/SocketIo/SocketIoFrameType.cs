namespace EmsSharp.Protocols.SocketIo;

/// <summary>Socket.IO protocol revision 1 message types (socket.io-spec README, "Messages").</summary>
public enum SocketIoFrameType
{
    /// <summary><c>0</c>: disconnect the socket (or one endpoint).</summary>
    Disconnect = 0,

    /// <summary><c>1</c>: connect; the server sends <c>1::</c> once the transport is open.</summary>
    Connect = 1,

    /// <summary><c>2</c>: heartbeat, sent by the server and echoed by the client.</summary>
    Heartbeat = 2,

    /// <summary><c>3</c>: plain text message.</summary>
    Message = 3,

    /// <summary><c>4</c>: JSON message.</summary>
    JsonMessage = 4,

    /// <summary><c>5</c>: event <c>{"name":..,"args":[..]}</c>.</summary>
    Event = 5,

    /// <summary><c>6</c>: acknowledgement <c>id[+json args]</c>.</summary>
    Ack = 6,

    /// <summary><c>7</c>: error <c>reason[+advice]</c>.</summary>
    Error = 7,

    /// <summary><c>8</c>: no operation.</summary>
    Noop = 8,
}
