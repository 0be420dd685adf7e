namespace EmsSharp.Rendezvous;

/// <summary>Source-generated log messages of the ERS.</summary>
internal static partial class ErsLog
{
    [LoggerMessage(1, LogLevel.Information, "ERS signalling on {Address}; admin API: {Admin}")]
    public static partial void Started(ILogger logger, string address, string admin);

    [LoggerMessage(2, LogLevel.Warning, "Socket {Sid} from {Ip}: malformed frame, closing")]
    public static partial void MalformedFrame(ILogger logger, string sid, string ip);

    [LoggerMessage(3, LogLevel.Warning, "Socket {Sid} from {Ip}: frame over {Max} bytes, closing")]
    public static partial void FrameTooLarge(ILogger logger, string sid, string ip, int max);

    [LoggerMessage(4, LogLevel.Information, "Socket {Sid} from {Ip}: no traffic within the close timeout, closing")]
    public static partial void HeartbeatTimeout(ILogger logger, string sid, string ip);

    [LoggerMessage(5, LogLevel.Warning, "Socket {Sid} from {Ip}: does not read its frames ({Max} bytes queued), closing")]
    public static partial void SlowConsumer(ILogger logger, string sid, string ip, long max);

    [LoggerMessage(6, LogLevel.Information, "Peer {Sid} join {Room} as {Role}: {Result}")]
    public static partial void Joined(ILogger logger, string sid, string room, string role, string result);

    [LoggerMessage(7, LogLevel.Debug, "Peer {Sid}: message to {To} not delivered")]
    public static partial void NotRelayed(ILogger logger, string sid, string to);

    [LoggerMessage(8, LogLevel.Information, "Handshake from {Ip} refused: too many sockets or handshakes")]
    public static partial void HandshakeRefused(ILogger logger, string ip);

    [LoggerMessage(9, LogLevel.Information, "Admin request refused from {Ip}")]
    public static partial void AdminRefused(ILogger logger, string ip);

    [LoggerMessage(10, LogLevel.Error, "Admin state not saved to {Path}: {Reason}; the change holds until restart")]
    public static partial void StateNotSaved(ILogger logger, string path, string reason);

    [LoggerMessage(11, LogLevel.Warning, "Rooms are open to any EMS: set emsTokens (any socket.io client may claim a room as its EMS and receive every browser that joins it)")]
    public static partial void RoomsOpenToAnyEms(ILogger logger);

    [LoggerMessage(12, LogLevel.Warning, "No EMS can join: tokens are configured, so the EMS role needs an EMS token, and there is none (emsTokens, or the admin command addEMSToken)")]
    public static partial void NoEmsToken(ILogger logger);

    [LoggerMessage(13, LogLevel.Information, "Rooms and tokens loaded from the admin state file {Path} (it replaces allowedrooms, emsTokens and tokens of the configuration)")]
    public static partial void StateLoaded(ILogger logger, string path);

    [LoggerMessage(14, LogLevel.Warning, "Admin request from {Ip} refused: {Reason}")]
    public static partial void AdminForbidden(ILogger logger, string ip, string reason);

    [LoggerMessage(15, LogLevel.Debug, "Peer {Sid}: message to {To} dropped: {Reason}")]
    public static partial void RelayThrottled(ILogger logger, string sid, string to, string reason);

    [LoggerMessage(16, LogLevel.Warning, "ERS {Listener}: closed a connection from {Ip}: {Cap} already ({Refused} refused since the last such line)")]
    public static partial void ConnectionsRefused(ILogger logger, string listener, string ip, string cap, long refused);

    [LoggerMessage(17, LogLevel.Information, "WHEP player from {Ip} refused for {Room}/{Stream}: {Reason}")]
    public static partial void WhepRefused(ILogger logger, string ip, string room, string stream, string reason);

    [LoggerMessage(18, LogLevel.Information, "WHEP session {Sid} from {Ip}: {Room}/{Stream} answered by the EMS")]
    public static partial void WhepAnswered(ILogger logger, string sid, string ip, string room, string stream);

    [LoggerMessage(19, LogLevel.Information, "WHEP session {Sid} from {Ip} ended: {Reason}")]
    public static partial void WhepEnded(ILogger logger, string sid, string ip, string reason);

    [LoggerMessage(20, LogLevel.Warning, "Peer {Sid} from {Ip}: emsLoad ignored: {Reason}")]
    public static partial void BadEmsLoad(ILogger logger, string sid, string ip, string reason);
}
