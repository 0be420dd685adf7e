namespace EmsSharp.Server.Delivery.Ers;

/// <summary>Source-generated log messages of the ERS client.</summary>
internal static partial class ErsClientLog
{
    [LoggerMessage(1, LogLevel.Information, "ERS {Ers} room {Room}: {Status} ({Description})")]
    public static partial void Status(ILogger logger, string ers, string room, ErsClientStatus status, string description);

    [LoggerMessage(2, LogLevel.Warning, "ERS {Ers} room {Room}: malformed frame ignored")]
    public static partial void Malformed(ILogger logger, string ers, string room);

    [LoggerMessage(3, LogLevel.Error, "ERS {Ers} room {Room}: an event handler threw")]
    public static partial void HandlerFailed(ILogger logger, string ers, string room, Exception exception);

    [LoggerMessage(4, LogLevel.Error, "ERS {Ers} room {Room}: connection attempt failed unexpectedly; retrying with backoff")]
    public static partial void SessionFailed(ILogger logger, string ers, string room, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "ERS {Ers} room {Room}: the ERS dropped our {Type} message to {To}: {Reason}")]
    public static partial void MessageRefused(ILogger logger, string ers, string room, string type, string to, string reason);
}
