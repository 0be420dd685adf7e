using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Recording;

/// <summary>The recordings' log messages.</summary>
internal static partial class RecordLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Record {ConfigId} of {Stream}: file {File} opened")]
    public static partial void FileOpened(ILogger logger, long configId, string stream, string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "Record {ConfigId} of {Stream}: file {File} closed ({Frames} frames, {Bytes} bytes)")]
    public static partial void FileClosed(ILogger logger, long configId, string stream, string file, long frames, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Record {ConfigId}: stream {Stream} ended ({Dropped} frames dropped by a slow disk, {Skipped} not recordable)")]
    public static partial void StreamEnded(ILogger logger, long configId, string stream, long dropped, long skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Record {ConfigId} of {Stream} failed: {Reason} (retrying every second: {KeepAlive})")]
    public static partial void Failed(ILogger logger, long configId, string stream, string reason, bool keepAlive);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Record {ConfigId} of {Stream}: the ts file leaves out the {Codec} audio (it carries H.264 and AAC; ffmpeg writes Opus as private data, stream_type 0x06 with an 'Opus' registration descriptor)")]
    public static partial void AudioLeftOut(ILogger logger, long configId, string stream, MediaCodec codec);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saved record configuration {ConfigId} is invalid; skipped")]
    public static partial void Skipped(ILogger logger, long configId);
}
