using System.Text;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>
/// One stream's HLS output (a <see cref="SegmentedOutput"/>): cuts the stream into fMP4 segments and parts
/// (<see cref="HlsSegmenter"/>), keeps the recent ones in memory for HTTP (<see cref="Playlist"/>) and writes segments and
/// playlists to <see cref="HlsConfiguration.TargetFolder"/> through its write queue. After the stream ended and came back
/// (keepAlive) the media sequence continues after a discontinuity.
/// </summary>
internal sealed class HlsOutput(HlsConfiguration configuration, HlsServices services, HlsGroup group)
    : SegmentedOutput(services, SegmentedFormat.Hls, configuration.ConfigId, configuration.LocalStreamName, configuration.TargetFolder,
        configuration.KeepAlive)
{
    private HlsSegmenter? _segmenter;
    private long _nextSequence;
    private int _nextInit;
    private long _segmentStartTs;
    private long _settled = -1; // the last segment on disk or given up (the writer's, in order)

    public HlsConfiguration Configuration { get; } = configuration;

    /// <summary>The playlist and the recent segments in memory: what the ems serves over HTTP.</summary>
    public HlsPlaylist Playlist { get; } = new(new HlsPlaylistSettings(
        configuration.ChunkBaseName, configuration.PlaylistLength, !configuration.Rolling,
        TimeSpan.FromSeconds(configuration.ChunkLength), services.Options.PartTarget, services.Options.MaxMemoryBytesPerStream));

    public HlsGroup Group => group;

    private StaleSegments Stale => field ??= new StaleSegments("stale", SegmentPath, Services.Files, f => PublishFile(EventTypes.HlsChunkDeleted, f));

    protected override bool CleanupAtStart => Configuration.CleanupDestination;

    protected override bool IsOwnFile(string name) =>
        name == Configuration.PlaylistName || name.StartsWith("init", StringComparison.Ordinal) ||
        (name.StartsWith(Configuration.ChunkBaseName + "_", StringComparison.Ordinal) && name.EndsWith(".m4s", StringComparison.Ordinal));

    public override JsonObject ConfigurationToJson() => Configuration.ToJson();

    protected override void BeginStream(LiveStream stream) =>
        _segmenter = new HlsSegmenter(TimeSpan.FromSeconds(Configuration.ChunkLength), Services.Options.PartTarget, _nextSequence, _nextInit);

    protected override void Push(in MediaFrame frame, LiveStream stream)
    {
        _segmenter!.Push(frame, stream.Video, stream.Audio);
        Drain();
    }

    protected override void EndStream()
    {
        _segmenter!.Flush();
        Drain();
    }

    protected override void Ended(bool forGood)
    {
        if (_segmenter is { } segmenter)
        {
            _nextSequence = segmenter.NextSequence;
            _nextInit = segmenter.NextInitVersion;
            _segmenter = null;
        }

        Playlist.End();
        if (forGood && _nextSequence > 0)
        {
            EnqueuePlaylist(); // an appending playlist of an output that ends with its stream gets EXT-X-ENDLIST
        }
    }

    private void Drain()
    {
        while (_segmenter!.TryPoll(out var e))
        {
            Playlist.Apply(e);
            switch (e)
            {
                case HlsInitReady init:
                    Writes.EnqueueFile(Path.Combine(Configuration.TargetFolder, HlsNames.Init(init.Version)), init.Bytes, null);
                    break;
                case HlsSegmentStarted started:
                    _segmentStartTs = Services.Time.GetUtcNow().ToUnixTimeMilliseconds();
                    PublishFile(EventTypes.HlsChunkCreated, SegmentPath(started.Sequence), _segmentStartTs);
                    break;
                case HlsSegmentEnded ended:
                    CloseSegment(ended);
                    break;
            }
        }
    }

    // Enqueues the segment, the playlist, the deletion of the stale segments and the master: the writer does them in that
    // order, so the playlist on disk never lists a segment before it is there.
    private void CloseSegment(HlsSegmentEnded ended)
    {
        var sequence = ended.Sequence;
        var path = SegmentPath(sequence);
        var startTs = _segmentStartTs;
        if (Playlist.GetSegment(sequence) is { } bytes)
        {
            Writes.EnqueueSegment(path, bytes,
                () =>
                {
                    Settle(sequence);
                    PublishFile(EventTypes.HlsChunkClosed, path, startTs, ended.Duration);
                },
                () =>
                {
                    Playlist.MarkGap(sequence);
                    Settle(sequence);
                });
        }
        else
        {
            Playlist.MarkGap(sequence); // already out of memory (a tiny memory budget): never written
        }

        EnqueuePlaylist();

        // Rolling: a segment stays staleRetentionCount segments after it left the playlist (for players that read the
        // playlist just before), then goes.
        var stale = sequence - Configuration.PlaylistLength - Configuration.StaleRetentionCount;
        if (Configuration.Rolling && stale >= 0)
        {
            Stale.Advance(stale, Writes);
        }

        if (group.RenderMasterIfChanged() is { } master)
        {
            Writes.EnqueueManifest(Configuration.MasterPlaylistPath, () => Encoding.UTF8.GetBytes(master),
                () => PublishFile(EventTypes.HlsMasterPlaylistUpdated, Configuration.MasterPlaylistPath));
        }
    }

    // A dropped segment settles from the read loop, a written one on the writer: the mark only moves forward.
    private void Settle(long sequence)
    {
        var seen = Volatile.Read(ref _settled);
        while (seen < sequence && Interlocked.CompareExchange(ref _settled, sequence, seen) is var now && now != seen)
        {
            seen = now;
        }
    }

    private void EnqueuePlaylist() =>
        Writes.EnqueueManifest(Configuration.PlaylistPath,
            () => Encoding.UTF8.GetBytes(Playlist.RenderFile(Volatile.Read(ref _settled), endList: !Configuration.KeepAlive)),
            () => PublishFile(EventTypes.HlsChildPlaylistUpdated, Configuration.PlaylistPath));

    private string SegmentPath(long sequence) => Path.Combine(Configuration.TargetFolder, HlsNames.Segment(Configuration.ChunkBaseName, sequence));

    private void PublishFile(string type, string file, long? segmentStartTs = null, TimeSpan? duration = null)
    {
        var payload = new JsonObject { ["file"] = file, ["groupName"] = Configuration.GroupName };
        if (segmentStartTs is { } start)
        {
            payload["playlistStartTs"] = Configuration.CreatedAt.ToUnixTimeMilliseconds();
            payload["segmentStartTs"] = start;
        }

        if (duration is { } d)
        {
            payload["segmentDuration"] = (long)Math.Round(d.TotalMilliseconds);
        }

        Publish(type, payload);
    }
}
