using System.Text;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Hls;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Delivery.Dash;

/// <summary>
/// One stream's DASH output (a <see cref="SegmentedOutput"/>, like HLS's): each track cut into its own fMP4 segments
/// (<see cref="DashTrack"/>), the recent ones kept in memory for HTTP, and the segments, init segments and the group's MPD
/// written to disk through the output's write queue (the read loop never waits for the disk). A new publication
/// (keepAlive) starts the timeline again; the segment numbers go on.
/// </summary>
internal sealed class DashOutput : SegmentedOutput
{
    private readonly DashTrack[] _tracks;

    public DashOutput(DashConfiguration configuration, HlsServices services, DashGroup group)
        : base(services, SegmentedFormat.Dash, configuration.ConfigId, configuration.LocalStreamName, configuration.TargetFolder,
            configuration.KeepAlive)
    {
        Configuration = configuration;
        Group = group;
        _tracks = [NewTrack(TrackKind.Video), NewTrack(TrackKind.Audio)];
        Stale = [.. _tracks.Select(t => new StaleSegments(
            t.Name, n => FilePath(t.SegmentName(n)), services.Files, f => PublishFile(EventTypes.DashChunkDeleted, f)))];
    }

    public DashConfiguration Configuration { get; }

    public DashGroup Group { get; }

    protected override bool CleanupAtStart => Configuration.CleanupDestination;

    private StaleSegments[] Stale { get; }

    /// <summary>The track whose file <paramref name="file"/> is (<c>video_...</c>, <c>audio_...</c>), or null.</summary>
    public DashTrack? TrackOf(string file) =>
        Array.Find(_tracks, t => file.StartsWith(t.Name + "_", StringComparison.Ordinal));

    /// <summary>The tracks as Representations (see <see cref="DashTrack.ToRepresentation"/>).</summary>
    public IEnumerable<DashRepresentation> Representations(string prefix, bool onDiskOnly) =>
        _tracks.Select(t => t.ToRepresentation(Configuration.LocalStreamName, prefix, t.Kind == TrackKind.Video ? Configuration.Bandwidth : 0, onDiskOnly))
            .OfType<DashRepresentation>();

    /// <summary>This stream's own MPD over HTTP (<c>/&lt;stream&gt;/&lt;manifestName&gt;</c>): its segments in memory.</summary>
    public string? RenderMpd()
    {
        var now = Services.Time.GetUtcNow();
        return DashManifest.Render([.. Representations("", onDiskOnly: false)], TimeSpan.FromSeconds(Configuration.ChunkLength),
            Configuration.TimeShiftBufferDepth, now, now);
    }

    public override JsonObject ConfigurationToJson() => Configuration.ToJson();

    protected override bool IsOwnFile(string name) =>
        TrackOf(name) is not null && (name.EndsWith(".m4s", StringComparison.Ordinal) || name.EndsWith(".mp4", StringComparison.Ordinal));

    protected override void BeginStream(LiveStream stream)
    {
        foreach (var track in _tracks)
        {
            track.Restart();
            track.Format = (stream.Video?.Width ?? 0, stream.Video?.Height ?? 0, stream.Audio?.SampleRate ?? 0, stream.Audio?.Channels ?? 0);
            track.Segmenter = new HlsSegmenter(
                TimeSpan.FromSeconds(Configuration.ChunkLength), Services.Options.PartTarget, track.Next.Number, track.Next.Init);
        }
    }

    protected override void Push(in MediaFrame frame, LiveStream stream)
    {
        // One track per segmenter: the video one sees only the video track, the audio one only the audio track.
        var video = frame.Kind == TrackKind.Video;
        if (!video && frame.Kind != TrackKind.Audio)
        {
            return;
        }

        var track = _tracks[video ? 0 : 1];
        track.Segmenter!.Push(frame, video ? stream.Video : null, video ? null : stream.Audio);
        Drain(track);
    }

    protected override void EndStream()
    {
        foreach (var track in _tracks)
        {
            track.Segmenter!.Flush();
            Drain(track);
        }
    }

    protected override void Ended(bool forGood)
    {
        var any = false;
        foreach (var track in _tracks)
        {
            if (track.Segmenter is { } segmenter)
            {
                track.Next = (segmenter.NextSequence, segmenter.NextInitVersion);
                track.Segmenter = null;
            }

            track.Store.End();
            any |= track.Next.Number > 0;
        }

        if (forGood && any)
        {
            Group.RequestMpdWrite();
        }
    }

    private DashTrack NewTrack(TrackKind kind) => new(kind, new HlsPlaylistSettings(
        kind == TrackKind.Video ? "video" : "audio", Configuration.PlaylistLength, false, TimeSpan.FromSeconds(Configuration.ChunkLength),
        Services.Options.PartTarget, Services.Options.MaxMemoryBytesPerStream), Configuration.Rolling);

    private void Drain(DashTrack track)
    {
        while (track.Segmenter!.TryPoll(out var e))
        {
            track.Store.Apply(e);
            switch (e)
            {
                case HlsInitReady init:
                    track.SetInit(init);
                    Writes.EnqueueFile(FilePath(track.InitName), init.Bytes, null);
                    break;
                case HlsSegmentStarted started:
                    PublishFile(EventTypes.DashChunkCreated, FilePath(track.SegmentName(started.Sequence)));
                    break;
                case HlsSegmentEnded ended:
                    track.Add(ended, Services.Time.GetUtcNow());
                    CloseSegment(track, ended);
                    break;
            }
        }
    }

    // The segment, then (once it is written or given up) the group's MPD listing it, then the stale segments.
    private void CloseSegment(DashTrack track, HlsSegmentEnded ended)
    {
        var number = ended.Sequence;
        var path = FilePath(track.SegmentName(number));
        if (track.Store.GetSegment(number) is { } bytes)
        {
            Writes.EnqueueSegment(path, bytes,
                () =>
                {
                    track.Settle(number);
                    PublishFile(EventTypes.DashChunkClosed, path, ended.Duration);
                    Group.RequestMpdWrite();
                },
                () =>
                {
                    track.Settle(number); // never written: a player of the disk's MPD gets a 404 for it and skips it
                    Group.RequestMpdWrite();
                });
        }

        var stale = number - Configuration.PlaylistLength - Configuration.StaleRetentionCount;
        if (Configuration.Rolling && stale >= 0)
        {
            Stale[track.Kind == TrackKind.Video ? 0 : 1].Advance(stale, Writes);
        }
    }

    /// <summary>
    /// Enqueues the group's MPD on this output's writer (coalesced, made when written). One member writes it for the
    /// whole group (<see cref="DashGroup.RequestMpdWrite"/>), so two writers never write the same file at once.
    /// </summary>
    public void WriteGroupMpd()
    {
        if (Started)
        {
            Writes.EnqueueManifest(Configuration.ManifestPath,
                () => Group.RenderMpd(http: false) is { } mpd ? Encoding.UTF8.GetBytes(mpd) : null,
                () => PublishFile(EventTypes.DashPlaylistUpdated, Configuration.ManifestPath));
        }
    }

    private string FilePath(string name) => Path.Combine(Configuration.TargetFolder, name);

    private void PublishFile(string type, string file, TimeSpan? duration = null)
    {
        var payload = new JsonObject { ["file"] = file, ["groupName"] = Configuration.GroupName };
        if (duration is { } d)
        {
            payload["segmentDuration"] = (long)Math.Round(d.TotalMilliseconds);
        }

        Configuration.AddUserVariablesTo(payload);
        Publish(type, payload);
    }
}
