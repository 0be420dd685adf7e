using System.Text;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>What HLS outputs need besides their configuration.</summary>
internal sealed record HlsServices(
    StreamHub Hub, IEventPublisher Events, IHlsFileSystem Files, HlsOptions Options, OutboundStreamRegistry? Outputs,
    TimeProvider Time, ILogger Logger);

/// <summary>
/// One stream's HLS output: waits for the stream, reads it from the hub like any other output (its own bounded reader:
/// when it lags, a slow disk say, it drops to the next keyframe and counts, and the publisher and the other outputs never
/// wait for it), cuts it into fMP4 segments and parts (<see cref="HlsSegmenter"/>), keeps the recent ones in memory for
/// HTTP (<see cref="Playlist"/>) and writes segments and playlists to <see cref="HlsConfiguration.TargetFolder"/>. With
/// keepAlive it waits for the stream again after it ended, continuing the media sequence after a discontinuity.
/// </summary>
internal sealed partial class HlsOutput(HlsConfiguration configuration, HlsServices services, HlsGroup group) : IConfiguredItem
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly ViewerTrafficCounters _counters = new();
    private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _run = Task.CompletedTask;
    private ConfigStatus _current = new(ConfigStatusCode.WaitingForStream, services.Time.GetUtcNow(), 0);
    private ConfigStatus? _previous;
    private string? _lastError;
    private long _segmentStartTs;

    public HlsConfiguration Configuration { get; } = configuration;

    /// <summary>The playlist and the recent segments in memory: what the ems serves over HTTP.</summary>
    public HlsPlaylist Playlist { get; } = new(new HlsPlaylistSettings(
        configuration.ChunkBaseName, configuration.PlaylistLength, !configuration.Rolling,
        TimeSpan.FromSeconds(configuration.ChunkLength), services.Options.PartTarget, services.Options.MaxMemoryBytesPerStream));

    public HlsGroup Group => group;

    public long ConfigId => Configuration.ConfigId;

    public bool KeepAlive => Configuration.KeepAlive;

    public Task Completion => _run;

    /// <summary>Completes once the output first reads its stream (its hub reader is attached).</summary>
    public Task Reading => _reading.Task;

    /// <summary>Frames the hub reader dropped because this output fell behind (a slow disk), over every attempt.</summary>
    public long DroppedFrames { get; private set; }


    public void Start() => _run = RunAsync();

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>EvoStream's <c>status</c> (as a pull's): <c>{current, previous}</c>.</summary>
    public JsonObject StatusToJson()
    {
        lock (_gate)
        {
            return new JsonObject { ["current"] = _current.ToJson(), ["previous"] = _previous?.ToJson() };
        }
    }

    /// <summary>Deletes the files this output wrote (removeConfig removeHlsHdsFiles=1), and its folder when that is then empty.</summary>
    public void DeleteFiles()
    {
        var folder = Configuration.TargetFolder;
        if (!Directory.Exists(folder))
        {
            return;
        }

        var prefix = Configuration.ChunkBaseName + "_";
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(file);
            if (name == Configuration.PlaylistName || name.StartsWith("init", StringComparison.Ordinal) ||
                (name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".m4s", StringComparison.Ordinal)) ||
                name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                services.Files.TryDelete(file);
            }
        }

        try
        {
            if (!Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (IOException)
        {
            // a file appeared meanwhile: the folder stays
        }
    }

    private void SetStatus(ConfigStatusCode code, long streamId = 0)
    {
        lock (_gate)
        {
            if (_current.Code == code && _current.StreamId == streamId)
            {
                return;
            }

            _previous = _current;
            _current = new ConfigStatus(code, services.Time.GetUtcNow(), streamId);
        }
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        var token = _stop.Token;
        long nextSequence = 0;
        var nextInit = 0;
        try
        {
            Directory.CreateDirectory(Configuration.TargetFolder);
            if (Configuration.CleanupDestination)
            {
                DeleteFiles();
                Directory.CreateDirectory(Configuration.TargetFolder);
            }

            while (!token.IsCancellationRequested)
            {
                SetStatus(ConfigStatusCode.WaitingForStream);
                var stream = await services.Hub.WaitForStreamAsync(Configuration.LocalStreamName, Timeout.InfiniteTimeSpan, token)
                    .ConfigureAwait(false);
                if (stream is null || stream.IsClosed)
                {
                    if (!await Ingest.KeepAliveRetry.WaitAsync(services.Time, token).ConfigureAwait(false))
                    {
                        return;
                    }

                    continue;
                }

                SetStatus(ConfigStatusCode.Streaming, stream.Id);
                var segmenter = new HlsSegmenter(
                    TimeSpan.FromSeconds(Configuration.ChunkLength), services.Options.PartTarget, nextSequence, nextInit);
                await ReadAsync(stream, segmenter, token).ConfigureAwait(false);
                nextSequence = segmenter.NextSequence;
                nextInit = segmenter.NextInitVersion;
                SetStatus(ConfigStatusCode.Disconnected);
                if (!Configuration.KeepAlive)
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
            LogFailed(services.Logger, Configuration.ConfigId, Configuration.TargetFolder, ex.Message);
            SetStatus(ConfigStatusCode.ConnectionFailed);
        }
        finally
        {
            Playlist.End();
        }
    }

    private async Task ReadAsync(LiveStream stream, HlsSegmenter segmenter, CancellationToken token)
    {
        using var reader = stream.CreateReader(services.Options.ReaderCapacity);
        _reading.TrySetResult();
        var output = services.Outputs?.Open(new OutboundStreamSpec(stream, OutboundStream.HlsTag, OperationType.Hls, _counters,
            static () => (null, null),
            () => new JsonObject { ["protocol"] = "hls", ["hlsSettings"] = Configuration.ToJson() },
            () => { }));
        var dropped = 0L;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    segmenter.Push(frame, stream.Video, stream.Audio);
                    if (frame.Kind == TrackKind.Audio)
                    {
                        _counters.AddAudioPacket(frame.Payload.Length);
                    }
                    else
                    {
                        _counters.AddPacket(frame.Payload.Length);
                    }

                    await DrainAsync(segmenter, token).ConfigureAwait(false);
                }

                if (reader.DroppedFrames != dropped)
                {
                    // The reader fell behind (the disk was slow) and skipped to a keyframe: counted, never waited for.
                    DroppedFrames += reader.DroppedFrames - dropped;
                    dropped = reader.DroppedFrames;
                    _counters.SetDroppedFrames(DroppedFrames);
                    LogDropped(services.Logger, Configuration.ConfigId, Configuration.LocalStreamName, DroppedFrames);
                }
            }

            segmenter.Flush();
            await DrainAsync(segmenter, token).ConfigureAwait(false);
        }
        finally
        {
            Playlist.End();
            if (output is not null)
            {
                services.Outputs!.Close(output);
            }
        }
    }

    private async Task DrainAsync(HlsSegmenter segmenter, CancellationToken token)
    {
        while (segmenter.TryPoll(out var e))
        {
            Playlist.Apply(e);
            switch (e)
            {
                case HlsInitReady init:
                    await WriteAsync(Path.Combine(Configuration.TargetFolder, HlsNames.Init(init.Version)), init.Bytes, token).ConfigureAwait(false);
                    break;
                case HlsSegmentStarted started:
                    _segmentStartTs = services.Time.GetUtcNow().ToUnixTimeMilliseconds();
                    Publish(EventTypes.HlsChunkCreated, SegmentPath(started.Sequence), null);
                    break;
                case HlsSegmentEnded ended:
                    await CloseSegmentAsync(ended, token).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async Task CloseSegmentAsync(HlsSegmentEnded ended, CancellationToken token)
    {
        var path = SegmentPath(ended.Sequence);
        if (Playlist.GetSegment(ended.Sequence) is { } bytes &&
            await WriteAsync(path, bytes, token).ConfigureAwait(false))
        {
            Publish(EventTypes.HlsChunkClosed, path, ended.Duration);
        }

        if (await WriteAsync(Configuration.PlaylistPath, Encoding.UTF8.GetBytes(Playlist.RenderFile()), token).ConfigureAwait(false))
        {
            Publish(EventTypes.HlsChildPlaylistUpdated, Configuration.PlaylistPath, null);
        }

        // Rolling: a segment stays staleRetentionCount segments after it left the playlist (for players that read the
        // playlist just before), then goes.
        var stale = ended.Sequence - Configuration.PlaylistLength - Configuration.StaleRetentionCount;
        if (Configuration.Rolling && stale >= 0 && services.Files.TryDelete(SegmentPath(stale)))
        {
            Publish(EventTypes.HlsChunkDeleted, SegmentPath(stale), null);
        }

        if (group.RenderMasterIfChanged() is { } master &&
            await WriteAsync(Configuration.MasterPlaylistPath, Encoding.UTF8.GetBytes(master), token).ConfigureAwait(false))
        {
            Publish(EventTypes.HlsMasterPlaylistUpdated, Configuration.MasterPlaylistPath, null);
        }
    }

    private string SegmentPath(long sequence) => Path.Combine(Configuration.TargetFolder, HlsNames.Segment(Configuration.ChunkBaseName, sequence));

    private async Task<bool> WriteAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken token)
    {
        try
        {
            await services.Files.WriteAtomicAsync(path, bytes, token).ConfigureAwait(false);
            _lastError = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The HTTP side goes on from memory; the failure is reported once per distinct reason.
            if (!string.Equals(ex.Message, _lastError, StringComparison.Ordinal))
            {
                _lastError = ex.Message;
                LogWriteFailed(services.Logger, Configuration.ConfigId, path, ex.Message);
            }

            if (services.Events.IsEnabled(EventTypes.HlsChunkError))
            {
                services.Events.Publish(EventTypes.HlsChunkError, new JsonObject
                {
                    ["configId"] = Configuration.ConfigId,
                    ["error"] = ex.Message,
                    ["file"] = path,
                    ["localStreamName"] = Configuration.LocalStreamName,
                });
            }

            return false;
        }
    }

    private void Publish(string type, string file, TimeSpan? duration)
    {
        if (!services.Events.IsEnabled(type))
        {
            return;
        }

        var payload = new JsonObject
        {
            ["configId"] = Configuration.ConfigId,
            ["file"] = file,
            ["groupName"] = Configuration.GroupName,
            ["localStreamName"] = Configuration.LocalStreamName,
        };
        if (type is EventTypes.HlsChunkCreated or EventTypes.HlsChunkClosed)
        {
            payload["playlistStartTs"] = Configuration.CreatedAt.ToUnixTimeMilliseconds();
            payload["segmentStartTs"] = _segmentStartTs;
        }

        if (duration is { } d)
        {
            payload["segmentDuration"] = (long)Math.Round(d.TotalMilliseconds);
        }

        services.Events.Publish(type, payload);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "HLS output {ConfigId} ({Stream}) fell behind and dropped to the next keyframe: {Dropped} frames dropped so far")]
    private static partial void LogDropped(ILogger logger, long configId, string stream, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HLS output {ConfigId} could not write {Path}: {Reason} (HTTP goes on from memory)")]
    private static partial void LogWriteFailed(ILogger logger, long configId, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "HLS output {ConfigId} stopped: cannot use {Folder}: {Reason}")]
    private static partial void LogFailed(ILogger logger, long configId, string folder, string reason);
}
