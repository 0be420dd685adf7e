using System.Net;

namespace EmsSharp.Server.Ingest;

/// <summary>Source-generated log messages of the ingest services.</summary>
internal static partial class IngestLog
{
    [LoggerMessage(1, LogLevel.Information, "RTMP server listening on {EndPoint}")]
    public static partial void RtmpListening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(2, LogLevel.Warning, "RTMP connection from {Remote} closed: {Reason}")]
    public static partial void RtmpProtocolError(ILogger logger, EndPoint? remote, string? reason);

    [LoggerMessage(3, LogLevel.Information, "RTMP {Remote} publishes {StreamName} (app {App}) as stream {StreamId}")]
    public static partial void RtmpPublishStarted(ILogger logger, EndPoint? remote, string streamName, string? app, long streamId);

    [LoggerMessage(4, LogLevel.Warning, "RTMP {Remote} refused: stream {StreamName} is already live")]
    public static partial void RtmpPublishRefused(ILogger logger, EndPoint? remote, string streamName);

    [LoggerMessage(5, LogLevel.Information, "RTMP stream {StreamName} ended ({Dropped} tags dropped)")]
    public static partial void RtmpPublishEnded(ILogger logger, string streamName, long dropped);

    [LoggerMessage(6, LogLevel.Debug, "RTMP connection from {Remote} ended")]
    public static partial void RtmpConnectionEnded(ILogger logger, EndPoint? remote);

    [LoggerMessage(7, LogLevel.Warning, "RTMP connection refused from {Remote}: {Reason}")]
    public static partial void RtmpConnectionRefused(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(8, LogLevel.Information, "File source {StreamName} playing {Path} (loop {Loop})")]
    public static partial void FileSourceStarted(ILogger logger, string streamName, string path, bool loop);

    [LoggerMessage(9, LogLevel.Error, "File source {StreamName} cannot play {Path}: {Reason}")]
    public static partial void FileSourceFailed(ILogger logger, string streamName, string path, string reason);

    [LoggerMessage(10, LogLevel.Debug, "RTMP connection from {Remote} failed")]
    public static partial void RtmpConnectionFailed(ILogger logger, EndPoint? remote, Exception exception);

    [LoggerMessage(20, LogLevel.Information, "RTSP server listening on {EndPoint}")]
    public static partial void RtspListening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(21, LogLevel.Warning, "RTSP connection from {Remote} closed: {Reason}")]
    public static partial void RtspProtocolError(ILogger logger, EndPoint? remote, string? reason);

    [LoggerMessage(22, LogLevel.Information, "RTSP {Remote} publishes {StreamName} as stream {StreamId}")]
    public static partial void RtspPublishStarted(ILogger logger, EndPoint? remote, string streamName, long streamId);

    [LoggerMessage(23, LogLevel.Warning, "RTSP {Remote} refused: stream {StreamName} is already live")]
    public static partial void RtspPublishRefused(ILogger logger, EndPoint? remote, string streamName);

    [LoggerMessage(24, LogLevel.Information, "RTSP stream {StreamName} ended")]
    public static partial void RtspPublishEnded(ILogger logger, string streamName);

    [LoggerMessage(25, LogLevel.Debug, "RTSP connection from {Remote} ended")]
    public static partial void RtspConnectionEnded(ILogger logger, EndPoint? remote);

    [LoggerMessage(26, LogLevel.Debug, "RTSP connection from {Remote} failed")]
    public static partial void RtspConnectionFailed(ILogger logger, EndPoint? remote, Exception exception);

    [LoggerMessage(27, LogLevel.Warning, "RTSP stream {StreamName}: track ignored, {Reason}")]
    public static partial void RtspTrackIgnored(ILogger logger, string streamName, string reason);

    [LoggerMessage(28, LogLevel.Warning, "RTSP connection refused from {Remote}: {Reason}")]
    public static partial void RtspConnectionRefused(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(30, LogLevel.Information, "Pull {ConfigId}: connecting to {Uri} for stream {StreamName}")]
    public static partial void PullStarted(ILogger logger, long configId, string uri, string streamName);

    [LoggerMessage(31, LogLevel.Warning, "Pull {ConfigId} of {Uri} stopped: {Reason}")]
    public static partial void PullFailed(ILogger logger, long configId, string uri, string reason);

    [LoggerMessage(32, LogLevel.Warning, "Saved pull configuration {ConfigId} is malformed; not restored")]
    public static partial void PullSkipped(ILogger logger, long configId);

    [LoggerMessage(33, LogLevel.Warning, "{Protocol} accept failed: {Error}; still listening")]
    public static partial void AcceptFailed(ILogger logger, string protocol, System.Net.Sockets.SocketError error);

    [LoggerMessage(40, LogLevel.Warning,
        "{Protocol}: full ({Max} connections): closed the oldest that was not publishing, from {Address}, to admit a new one ({Evicted} closed so since the last such line)")]
    public static partial void ConnectionEvicted(ILogger logger, string protocol, int max, IPAddress address, long evicted);

    [LoggerMessage(34, LogLevel.Warning, "RTMP publish of {Name} from {Remote} refused: {Reason}")]
    public static partial void RtmpPublishUnauthorized(ILogger logger, EndPoint? remote, string name, string reason);

    [LoggerMessage(35, LogLevel.Warning, "RTSP publish of {Name} from {Remote} refused: {Reason}")]
    public static partial void RtspPublishUnauthorized(ILogger logger, EndPoint? remote, string name, string reason);

    [LoggerMessage(36, LogLevel.Warning, "{Protocol} publishing is open: anyone who reaches {EndPoint} may publish any free stream name; set Ingest:PublishKeys, PublishUsers or PublishCallback to require credentials")]
    public static partial void PublishingOpen(ILogger logger, string protocol, IPEndPoint endPoint);

    [LoggerMessage(37, LogLevel.Information, "{Protocol} publish of {Name} from {Remote} takes the name over from its previous publisher (same credentials)")]
    public static partial void PublishTakenOver(ILogger logger, string protocol, EndPoint? remote, string name);

    [LoggerMessage(38, LogLevel.Information, "RTMP {Remote}: stream {Name} was ended by the server (shutdownStream, or taken over); closing the connection")]
    public static partial void RtmpStreamEndedByServer(ILogger logger, EndPoint? remote, string name);

    [LoggerMessage(41, LogLevel.Information, "RTMP {Remote} plays {StreamName} as output {OutputId}")]
    public static partial void RtmpPlayStarted(ILogger logger, EndPoint? remote, string streamName, long outputId);

    [LoggerMessage(42, LogLevel.Warning, "RTMP play of {Name} from {Remote} refused: {Reason}")]
    public static partial void RtmpPlayRefused(ILogger logger, EndPoint? remote, string name, string reason);

    [LoggerMessage(43, LogLevel.Information,
        "RTMP {Remote} stopped playing {StreamName}: {Reason} ({Sent} frames sent, {Dropped} dropped behind, {Skipped} not carried)")]
    public static partial void RtmpPlayEnded(ILogger logger, EndPoint? remote, string streamName, string reason, long sent, long dropped, long skipped);

    [LoggerMessage(44, LogLevel.Warning, "RTMP connection from {Remote} closed: it took no bytes for {Timeout} (a stalled player)")]
    public static partial void RtmpSendTimedOut(ILogger logger, EndPoint? remote, TimeSpan timeout);

    [LoggerMessage(45, LogLevel.Debug, "Push {ConfigId}: connecting to {Uri} to send stream {StreamName} as {TargetStreamName}")]
    public static partial void PushStarted(ILogger logger, long configId, string streamName, string uri, string targetStreamName);

    [LoggerMessage(46, LogLevel.Warning, "Push {ConfigId} to {Uri} failed: {Reason} (retrying every second: {KeepAlive}; the same failure is not logged again)")]
    public static partial void PushFailed(ILogger logger, long configId, string uri, string reason, bool keepAlive);

    [LoggerMessage(47, LogLevel.Information, "Push {ConfigId}: publishing stream {StreamName} to {Uri} as {TargetStreamName} (after {Failures} failed attempts)")]
    public static partial void PushPublishing(ILogger logger, long configId, string streamName, string uri, string targetStreamName, int failures);

    [LoggerMessage(48, LogLevel.Information, "Push {ConfigId}: stream {StreamName} ended ({Sent} frames sent, {Dropped} dropped as the target lagged, {Skipped} skipped); waiting for it")]
    public static partial void PushStreamEnded(ILogger logger, long configId, string streamName, long sent, long dropped, long skipped);

    [LoggerMessage(49, LogLevel.Warning, "Saved push configuration {ConfigId} is malformed; not restored")]
    public static partial void PushSkipped(ILogger logger, long configId);
}
