using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>What segmented outputs (HLS, DASH) need besides their configuration.</summary>
internal sealed record HlsServices(
    StreamHub Hub, IEventPublisher Events, IHlsFileSystem Files, HlsOptions Options, OutboundStreamRegistry? Outputs,
    TimeProvider Time, ILogger Logger);

/// <summary>How a kind of segmented output names itself: in logs, as an outbound stream, and in its error event.</summary>
internal sealed record SegmentedFormat(string Name, string Protocol, string TypeTag, OperationType OperationType, string ChunkErrorEvent)
{
    public static SegmentedFormat Hls { get; } = new("HLS", "hls", OutboundStream.HlsTag, OperationType.Hls, EventTypes.HlsChunkError);

    public static SegmentedFormat Dash { get; } = new("DASH", "dash", OutboundStream.DashTag, OperationType.Dash, EventTypes.DashChunkError);
}

/// <summary>
/// One stream's segmented output (HLS or DASH): waits for the stream, reads it from the hub like any other output (its own
/// bounded reader: when it lags it drops to the next keyframe and counts, and the publisher and the other outputs never
/// wait for it), hands each frame to the format (<see cref="Push"/>: segmenters, in-memory playlists) and writes the files
/// through its <see cref="SegmentWriteQueue"/>, so the read loop never waits for the disk either. With keepAlive it waits
/// for the stream again after it ended.
/// </summary>
internal abstract partial class SegmentedOutput(
    HlsServices services, SegmentedFormat format, long configId, string localStreamName, string targetFolder, bool keepAlive)
    : IConfiguredItem
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ViewerTrafficCounters _counters = new();
    private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _run = Task.CompletedTask;
    private readonly ConfigStatusHolder _status = new(ConfigStatusCode.WaitingForStream, services.Time);
    private string? _lastError;
    private SegmentWriteQueue? _queue;

    public long ConfigId => configId;

    public string LocalStreamName => localStreamName;

    public bool KeepAlive => keepAlive;

    public Task Completion => _run;

    /// <summary>Completes once the output first reads its stream (its hub reader is attached).</summary>
    public Task Reading => _reading.Task;

    /// <summary>Frames the hub reader dropped because this output fell behind, over every attempt.</summary>
    public long DroppedFrames { get; private set; }

    /// <summary>Segments the disk never got because the write queue was full (a blocked or too slow disk).</summary>
    public long DroppedSegments => _queue?.DroppedSegments ?? 0;

    /// <summary>Completes once the output's writer has nothing pending (until the next file).</summary>
    public Task WritesIdle => _queue?.Idle ?? Task.CompletedTask;

    /// <summary>Segment bytes waiting for the disk.</summary>
    public long PendingWriteBytes => _queue?.PendingBytes ?? 0;

    protected HlsServices Services => services;

    /// <summary>The output's file writes (set while it runs).</summary>
    protected SegmentWriteQueue Writes => _queue!;

    /// <summary>Whether the output started (its writer exists).</summary>
    protected bool Started => _queue is not null;

    public void Start()
    {
        _queue = new SegmentWriteQueue(
            services.Files, services.Options.MaxPendingWriteBytes, WriteFailed, () => Volatile.Write(ref _lastError, null), _stop.Token,
            $"{format.Name} writer {configId}");
        _run = RunAsync();
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>EvoStream's <c>status</c> (as a pull's): <c>{current, previous}</c>, and the segments the disk never got.</summary>
    public JsonObject StatusToJson()
    {
        var status = _status.ToJson();
        status["droppedSegments"] = DroppedSegments;
        return status;
    }

    /// <summary>Deletes the files this output wrote (removeConfig removeHlsHdsFiles=1), and its folder when that is then empty.</summary>
    public void DeleteFiles()
    {
        if (!Directory.Exists(targetFolder))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(targetFolder))
        {
            var name = Path.GetFileName(file);
            if (IsOwnFile(name) || name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                services.Files.TryDelete(file);
            }
        }

        try
        {
            if (!Directory.EnumerateFileSystemEntries(targetFolder).Any())
            {
                Directory.Delete(targetFolder);
            }
        }
        catch (IOException)
        {
            // a file appeared meanwhile: the folder stays
        }
    }

    /// <summary>The persisted configuration (listConfig's entry, and the outbound stream's <c>hlsSettings</c>/<c>dashSettings</c>).</summary>
    public abstract JsonObject ConfigurationToJson();

    /// <summary>Whether <paramref name="name"/> (in the target folder) is a file this kind of output writes.</summary>
    protected abstract bool IsOwnFile(string name);

    /// <summary>Whether to delete the output's old files at start (cleanupDestination).</summary>
    protected abstract bool CleanupAtStart { get; }

    /// <summary>A publication begins: the format makes its segmenters (continuing its counts after a restart).</summary>
    protected abstract void BeginStream(LiveStream stream);

    /// <summary>One frame of the stream: segment it and enqueue what is complete (never wait here).</summary>
    protected abstract void Push(in MediaFrame frame, LiveStream stream);

    /// <summary>The publication ended: flush the segmenters and enqueue the last files.</summary>
    protected abstract void EndStream();

    /// <summary>The output stops reading for now (or for good): parked HTTP requests are answered.</summary>
    protected abstract void Ended(bool forGood);

    /// <summary>Publishes an output event with the output's names, when anyone listens.</summary>
    protected void Publish(string type, JsonObject payload)
    {
        if (services.Events.IsEnabled(type))
        {
            payload["configId"] = ConfigId;
            payload["localStreamName"] = localStreamName;
            services.Events.Publish(type, payload);
        }
    }

    private void SetStatus(ConfigStatusCode code, long streamId = 0) => _status.Set(code, streamId);

    private async Task RunAsync()
    {
        await Task.Yield();
        var token = _stop.Token;
        try
        {
            // The folder is made (and cleaned) on a thread of its own, as every file operation (ARCHITECTURE.md rule 10).
            await DiskThread.Run($"{format.Name} folder {configId}", () =>
            {
                Directory.CreateDirectory(targetFolder);
                if (CleanupAtStart)
                {
                    DeleteFiles();
                    Directory.CreateDirectory(targetFolder);
                }
            }).ConfigureAwait(false);

            while (!token.IsCancellationRequested)
            {
                SetStatus(ConfigStatusCode.WaitingForStream);
                var stream = await Ingest.KeepAliveRetry.WaitForLiveStreamAsync(services.Hub, localStreamName, services.Time, token).ConfigureAwait(false);
                if (stream is null)
                {
                    return;
                }

                SetStatus(ConfigStatusCode.Streaming, stream.Id);
                BeginStream(stream);
                await ReadAsync(stream, token).ConfigureAwait(false);
                SetStatus(ConfigStatusCode.Disconnected);
                if (!keepAlive)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // removed
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFailed(services.Logger, format.Name, ConfigId, targetFolder, ex.Message);
            SetStatus(ConfigStatusCode.ConnectionFailed);
        }
        finally
        {
            Ended(forGood: true);
            _queue!.Complete();
            if (!token.IsCancellationRequested)
            {
                // What is pending is written first. Removed (the token fired), it ends on its own: a write a frozen disk
                // holds returns whenever it does, and removeConfig does not wait for it.
                await _queue.Completion.ConfigureAwait(false);
            }
        }
    }

    private async Task ReadAsync(LiveStream stream, CancellationToken token)
    {
        using var reader = stream.CreateReader(services.Options.ReaderCapacity);
        _reading.TrySetResult();
        var output = services.Outputs?.Open(new OutboundStreamSpec(stream, format.TypeTag, format.OperationType, _counters,
            static () => (null, null),
            () => new JsonObject
            {
                ["protocol"] = format.Protocol,
                [format.Protocol + "Settings"] = ConfigurationToJson(),
                ["droppedSegments"] = DroppedSegments,
            },
            () => { }));
        var dropped = 0L;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    Push(frame, stream);
                    if (frame.Kind == TrackKind.Audio)
                    {
                        _counters.AddAudioPacket(frame.Payload.Length);
                    }
                    else
                    {
                        _counters.AddPacket(frame.Payload.Length);
                    }
                }

                if (reader.DroppedFrames != dropped)
                {
                    // The reader fell behind (a CPU-starved loop: the disk no longer holds it up) and skipped to a keyframe:
                    // counted, never waited for. No EXT-X-DISCONTINUITY (RFC 8216 §4.3.2.3) and no new DASH Period: the
                    // frames after the skip keep their timestamps on the same timeline (the segmenter times segments from
                    // the frames' own DTS), and the format, the codecs and the encoding parameters are unchanged; only media
                    // is missing, which players ride over like any short gap in a segment.
                    DroppedFrames += reader.DroppedFrames - dropped;
                    dropped = reader.DroppedFrames;
                    _counters.SetDroppedFrames(DroppedFrames);
                    LogDropped(services.Logger, format.Name, ConfigId, localStreamName, DroppedFrames);
                }
            }

            EndStream();
        }
        finally
        {
            Ended(forGood: false);
            if (output is not null)
            {
                services.Outputs!.Close(output);
            }
        }
    }

    // A file the writer could not write, or a segment dropped from the full queue: logged once per distinct reason (once per
    // episode of a blocked disk) and published as the format's chunk error; the HTTP side goes on from memory.
    private void WriteFailed(string path, string reason)
    {
        if (!string.Equals(reason, Interlocked.Exchange(ref _lastError, reason), StringComparison.Ordinal))
        {
            LogWriteFailed(services.Logger, format.Name, ConfigId, path, reason);
        }

        Publish(format.ChunkErrorEvent, new JsonObject { ["error"] = reason, ["file"] = path });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Format} output {ConfigId} ({Stream}) fell behind and dropped to the next keyframe: {Dropped} frames dropped so far")]
    private static partial void LogDropped(ILogger logger, string format, long configId, string stream, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Format} output {ConfigId} could not write {Path}: {Reason} (HTTP goes on from memory)")]
    private static partial void LogWriteFailed(ILogger logger, string format, long configId, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Format} output {ConfigId} stopped: cannot use {Folder}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string format, long configId, string folder, string reason);
}
