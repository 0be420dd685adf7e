namespace EmsSharp.Server.Events;

/// <summary>Event <c>type</c> names (PROTOCOL.md §1.7).</summary>
public static class EventTypes
{
    /// <summary>The server is up and serving (payload: the version object, as <c>version</c> answers it).</summary>
    public const string ServerStarted = "serverStarted";

    /// <summary>The server begins to stop (payload: the version object).</summary>
    public const string ServerStopping = "serverStopping";

    /// <summary>A WebRTC service was started (payload configId, ersIp, ersPort, roomId).</summary>
    public const string WebRtcServiceStarted = "webRtcServiceStarted";

    /// <summary>A WebRTC service was stopped (payload configId, ersIp, ersPort, roomId).</summary>
    public const string WebRtcServiceStopped = "webRtcServiceStopped";

    /// <summary>A browser's peer connection completed.</summary>
    public const string WebRtcPeerConnected = "webRtcPeerConnected";

    /// <summary>A browser's peer connection ended.</summary>
    public const string WebRtcPeerDisconnected = "webRtcPeerDisconnected";

    /// <summary>A peer connection or the ERS reported an error (for example a refused room).</summary>
    public const string WebRtcPeerError = "webRtcPeerError";

    /// <summary>An inbound stream appeared.</summary>
    public const string InStreamCreated = "inStreamCreated";

    /// <summary>An inbound stream ended.</summary>
    public const string InStreamClosed = "inStreamClosed";

    /// <summary>An outbound stream (a viewer) started.</summary>
    public const string OutStreamCreated = "outStreamCreated";

    /// <summary>An outbound stream ended.</summary>
    public const string OutStreamClosed = "outStreamClosed";

    /// <summary>An inbound stream's codecs became known or changed (payload: its stream object).</summary>
    public const string InStreamCodecsUpdated = "inStreamCodecsUpdated";

    /// <summary>An outbound stream's codecs (its source's) became known or changed (payload: its stream object).</summary>
    public const string OutStreamCodecsUpdated = "outStreamCodecsUpdated";

    /// <summary>An inbound stream that had audio has received none for a while, and lives on (payload id/streamId, localStreamName).</summary>
    public const string AudioFeedStopped = "audioFeedStopped";

    /// <summary>An inbound stream that had video has received none for a while, and lives on (payload id/streamId, localStreamName).</summary>
    public const string VideoFeedStopped = "videoFeedStopped";

    /// <summary>An API command arrived, on any transport (payload command, parameters; secrets masked).</summary>
    public const string CliRequest = "cliRequest";

    /// <summary>An API command was answered (payload: the reply envelope; secrets masked).</summary>
    public const string CliResponse = "cliResponse";

    /// <summary>A recording (<c>record</c>) opened a file (payload file, startTime in unix ms, the configuration's <c>_</c> variables).</summary>
    public const string RecordChunkCreated = "recordChunkCreated";

    /// <summary>A recording closed a complete file (payload file, startTime, stopTime in unix ms, frameCount, the <c>_</c> variables).</summary>
    public const string RecordChunkClosed = "recordChunkClosed";

    /// <summary>A recording could not write (payload error, the <c>_</c> variables).</summary>
    public const string RecordChunkError = "recordChunkError";

    /// <summary>An HLS media segment began (payload: <c>file</c>, the full path it gets, and the times of RMS).</summary>
    public const string HlsChunkCreated = "hlsChunkCreated";

    /// <summary>An HLS media segment was written (payload: <c>file</c>, <c>segmentDuration</c> ms).</summary>
    public const string HlsChunkClosed = "hlsChunkClosed";

    /// <summary>An HLS media segment left the folder (payload: <c>file</c>).</summary>
    public const string HlsChunkDeleted = "hlsChunkDeleted";

    /// <summary>Writing an HLS file failed (payload: <c>error</c>, <c>file</c>).</summary>
    public const string HlsChunkError = "hlsChunkError";

    /// <summary>A stream's HLS media playlist was rewritten (payload: <c>file</c>).</summary>
    public const string HlsChildPlaylistUpdated = "hlsChildPlaylistUpdated";

    /// <summary>An HLS group's master playlist was rewritten (payload: <c>file</c>).</summary>
    public const string HlsMasterPlaylistUpdated = "hlsMasterPlaylistUpdated";

    /// <summary>A DASH media segment began (payload: <c>file</c>, the full path it gets).</summary>
    public const string DashChunkCreated = "dashChunkCreated";

    /// <summary>A DASH media segment was written (payload: <c>file</c>, <c>segmentDuration</c> ms).</summary>
    public const string DashChunkClosed = "dashChunkClosed";

    /// <summary>A DASH media segment left the folder (payload: <c>file</c>).</summary>
    public const string DashChunkDeleted = "dashChunkDeleted";

    /// <summary>Writing a DASH file failed (payload: <c>error</c>, <c>file</c>).</summary>
    public const string DashChunkError = "dashChunkError";

    /// <summary>A DASH group's MPD was rewritten (payload: <c>file</c>).</summary>
    public const string DashPlaylistUpdated = "dashPlaylistUpdated";
}
