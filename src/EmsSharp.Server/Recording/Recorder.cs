using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Events;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Recording;

/// <summary>
/// One running recording (<c>record</c>): waits for its local stream, reads it as any output does (its own bounded
/// <see cref="LiveStreamReader"/>, from the GOP cache's keyframe or, with waitForIDR, the next one) and writes the frames
/// into files on a thread of its own (<see cref="DiskThread"/>), so a slow or blocked disk makes the reader skip to the
/// next keyframe (counted) and never holds up the publisher or the thread pool. While a stream is recorded it is an
/// outbound stream (<c>OFMP4</c>, <c>OFTS</c> or <c>OFR</c>) with its <c>recordSettings</c>.
/// Each file raises <c>recordChunkCreated</c> and <c>recordChunkClosed</c>. With keepAlive, when the stream ends it waits
/// for it again and goes on in a new file; removing it (or stopping the server) finalises the file being written.
/// </summary>
internal sealed class Recorder(RecordConfiguration configuration, RecordServices services, TimeProvider time, ILogger logger) : IConfiguredItem
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConfigStatusHolder _status = new(ConfigStatusCode.WaitingForStream, time);
    private Task _run = Task.CompletedTask;
    private int _sequence = configuration.ChunkLength > 0 ? 1 : 0;
    private OpenFile? _file;

    public RecordConfiguration Configuration { get; } = configuration;

    public long ConfigId => Configuration.ConfigId;

    public bool KeepAlive => Configuration.KeepAlive;

    public Task Completion => _run;

    /// <summary>Frames the reader dropped (the disk lagged) and frames the file format could not take, over the recording's life.</summary>
    public (long Dropped, long Skipped) Frames { get; private set; }

    public void Start() => _run = RunAsync();

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>EvoStream's <c>status</c> of the configuration: <c>{current, previous}</c>.</summary>
    public JsonObject StatusToJson() => _status.ToJson();


    private async Task RunAsync()
    {
        await Task.Yield();
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                _status.Set(ConfigStatusCode.WaitingForStream);
                var stream = await KeepAliveRetry.WaitForLiveStreamAsync(services.Hub, Configuration.LocalStreamName, time, token).ConfigureAwait(false);
                if (stream is null)
                {
                    return;
                }

                string? failure = null;
                try
                {
                    // The frames are read and written on a thread of the recording's own: a blocked disk holds it, not the pool.
                    await DiskThread.Run("record-" + ConfigId, () => Record(stream, token)).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    failure = ex.Message;
                }

                if (failure is null)
                {
                    _status.Set(ConfigStatusCode.Disconnected);
                    RecordLog.StreamEnded(logger, ConfigId, Configuration.LocalStreamName, Frames.Dropped, Frames.Skipped);
                    if (!KeepAlive)
                    {
                        return;
                    }

                    continue;
                }

                _status.Set(ConfigStatusCode.ConnectionFailed);
                RecordLog.Failed(logger, ConfigId, Configuration.LocalStreamName, failure, KeepAlive);
                services.Events.Publish(EventTypes.RecordChunkError, WithUserVariables(new JsonObject { ["error"] = failure }));
                if (!KeepAlive || !await KeepAliveRetry.WaitAsync(time, token).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // removed, or the server stops: the file was finalised on the way out
        }
    }

    // One live period of the stream: from its first keyframe to its end (or the recording's removal). On the recording's
    // disk thread: it waits for frames by blocking that thread, and every file operation may block it too.
    private void Record(LiveStream stream, CancellationToken token)
    {
        // shutdownStream on the output ends this live period only (with keepAlive the stream is awaited again).
        using var period = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var reader = stream.CreateReader(services.Options.QueueFrames);
        // waitForIDR: the GOP cache is the past; the recording starts at the next keyframe published.
        var skip = Configuration.WaitForIdr ? reader.Count : 0;
        var chunker = new RecordChunker(Configuration.ChunkLength);
        var counters = new ViewerTrafficCounters();
        var (droppedBefore, skippedBefore) = Frames;
        long skipped = 0;
        var output = services.Outputs?.Open(new OutboundStreamSpec(stream, RecordType.TypeTag(Configuration.Type), OperationType.Record,
            counters, static () => (null, null),
            () => new JsonObject { ["protocol"] = "file", ["recordSettings"] = Configuration.ToJson() },
            () => CancelQuietly(period)));
        _status.Set(ConfigStatusCode.Streaming, output?.Id ?? stream.Id);
        try
        {
            while (reader.WaitToReadAsync(period.Token).AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var frame))
                {
                    if (skip > 0)
                    {
                        skip--;
                        continue;
                    }

                    var hasVideo = stream.Video is not null;
                    var audioRate = stream.Audio?.SampleRate ?? 0;
                    if (_file is null)
                    {
                        if (hasVideo && !(frame.Kind == TrackKind.Video && frame.IsKeyframe))
                        {
                            skipped++; // a file starts at a keyframe
                            continue;
                        }

                        Open(stream, reader);
                        chunker.Reset();
                        chunker.ShouldCut(frame, hasVideo, audioRate); // starts the chunk's clock
                    }
                    else if (chunker.ShouldCut(frame, hasVideo, audioRate) || !_file.Writer.Accepts(stream))
                    {
                        Close();
                        Open(stream, reader);
                        chunker.Reset();
                        chunker.ShouldCut(frame, hasVideo, audioRate);
                    }

                    var bytesBefore = _file!.Writer.Bytes;
                    if (!_file.Writer.Write(frame))
                    {
                        skipped++;
                        continue;
                    }

                    var length = (int)(_file.Writer.Bytes - bytesBefore);
                    if (frame.Kind == TrackKind.Video)
                    {
                        counters.AddPackets(1, length);
                    }
                    else
                    {
                        counters.AddAudioPackets(1, length);
                    }
                }

                counters.SetDroppedFrames(reader.DroppedFrames + skipped);
                Frames = (droppedBefore + reader.DroppedFrames, skippedBefore + skipped);
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            // shut down (shutdownStream): as if the stream had ended
        }
        finally
        {
            Frames = (droppedBefore + reader.DroppedFrames, skippedBefore + skipped);
            Close();
            if (output is not null)
            {
                services.Outputs!.Close(output, new JsonObject { ["droppedFrames"] = reader.DroppedFrames, ["skippedFrames"] = skipped });
            }
        }
    }

    private void Open(LiveStream stream, LiveStreamReader reader)
    {
        var now = time.GetUtcNow();
        string path;
        Stream file;
        while (true)
        {
            path = RecordPath.FileName(Configuration.ComputedPathToFile, _sequence, Configuration.DateFolderStructure, now);
            _sequence++;
            // A file of an earlier run (or of this recording) is never replaced unless overwrite=1 asked for it.
            if (!Configuration.Overwrite && File.Exists(path))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            file = services.OpenFile(path, Configuration.Overwrite);
            break;
        }

        IRecordFileWriter writer;
        try
        {
            writer = Configuration.Type switch
            {
                RecordType.Mp4 => new Mp4RecordWriter(file, stream, services.Options.FragmentDuration),
                RecordType.Ts => new TsRecordWriter(file, stream),
                _ => new FlvRecordWriter(file, reader),
            };
        }
        catch
        {
            file.Dispose();
            throw;
        }

        _file = new OpenFile(path, now, writer);
        RecordLog.FileOpened(logger, ConfigId, Configuration.LocalStreamName, path);
        if (writer is TsRecordWriter { LeftOutAudio: { } codec })
        {
            RecordLog.AudioLeftOut(logger, ConfigId, Configuration.LocalStreamName, codec);
        }
        services.Events.Publish(EventTypes.RecordChunkCreated, WithUserVariables(new JsonObject
        {
            ["file"] = path,
            ["startTime"] = now.ToUnixTimeMilliseconds(),
        }));
    }

    private void Close()
    {
        if (_file is not { } file)
        {
            return;
        }

        _file = null;
        try
        {
            file.Writer.Finish();
        }
        finally
        {
            file.Writer.Dispose();
            RecordLog.FileClosed(logger, ConfigId, Configuration.LocalStreamName, file.Path, file.Writer.Frames, file.Writer.Bytes);
            services.Events.Publish(EventTypes.RecordChunkClosed, WithUserVariables(new JsonObject
            {
                ["file"] = file.Path,
                ["frameCount"] = file.Writer.Frames,
                ["startTime"] = file.OpenedAt.ToUnixTimeMilliseconds(),
                ["stopTime"] = time.GetUtcNow().ToUnixTimeMilliseconds(),
            }));
        }
    }

    private JsonObject WithUserVariables(JsonObject payload)
    {
        Configuration.AddUserVariablesTo(payload);
        return payload;
    }

    private static void CancelQuietly(CancellationTokenSource period)
    {
        try
        {
            period.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the period is over already
        }
    }

    private sealed record OpenFile(string Path, DateTimeOffset OpenedAt, IRecordFileWriter Writer);
}

/// <summary>What recordings need besides their configuration.</summary>
/// <param name="Hub">Where the local streams are.</param>
/// <param name="Options">The reader's queue and the mp4 fragment length.</param>
/// <param name="Events">Where recordChunkCreated/Closed/Error go.</param>
/// <param name="Outputs">The list of outputs, if any.</param>
/// <param name="OpenFile">Opens a file for writing (path, overwrite); a test may slow it down.</param>
internal sealed record RecordServices(
    StreamHub Hub, RecordOptions Options, IEventPublisher Events, OutboundStreamRegistry? Outputs, Func<string, bool, Stream> OpenFile)
{
    /// <summary>A file opened for writing, readable by others while it grows; CreateNew unless <paramref name="overwrite"/>.</summary>
    public static Stream OpenForWriting(string path, bool overwrite) =>
        new FileStream(path, overwrite ? FileMode.Create : FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024);
}
