using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Hls;

namespace EmsSharp.Server.Delivery.Dash;

/// <summary>One segment of a SegmentTimeline: its $Number$, its start (t) and duration (d) in the track's timescale.</summary>
internal readonly record struct DashSegment(long Number, long Start, long Duration);

/// <summary>
/// One track (video or audio) of a DASH output: dash.js, like the DASH-IF interoperability guidelines, wants each track in
/// its own Representation, so each has its own <see cref="HlsSegmenter"/> (a one-track fMP4 muxer: one init segment, then
/// moof+mdat segments), its recent segments in memory for HTTP (<see cref="Store"/>) and its SegmentTimeline. The timeline
/// is tied to the wall clock once: the wall time of the track's media time 0 is taken when its first segment completes
/// (its end is then the live edge). Fed by the output's read loop, read by HTTP requests and the writer. Thread-safe.
/// </summary>
internal sealed class DashTrack(TrackKind kind, HlsPlaylistSettings settings, bool rolling)
{
    private const int MaxListed = 100_000; // an appending MPD's timeline, bounded

    private readonly Lock _gate = new();
    private readonly List<DashSegment> _timeline = [];
    private long _settled = -1;

    public TrackKind Kind { get; } = kind;

    /// <summary><c>video</c> or <c>audio</c>: the Representation's id suffix and the files' prefix.</summary>
    public string Name { get; } = kind == TrackKind.Video ? "video" : "audio";

    /// <summary>The recent segments' bytes and the init segments: what HTTP is served from.</summary>
    public HlsPlaylist Store { get; } = new(settings);

    /// <summary>The publication's segmenter (null between publications).</summary>
    public HlsSegmenter? Segmenter { get; set; }

    /// <summary>The next publication's first segment number and init version: the counts go on.</summary>
    public (long Number, int Init) Next { get; set; }

    /// <summary>The init segment's file name.</summary>
    public string InitName => Name + "_init.mp4";

    /// <summary>The SegmentTemplate's media attribute (ISO/IEC 23009-1 §5.3.9.4.4: $Number$).</summary>
    public string MediaTemplate => Name + "_$Number$.m4s";

    public string SegmentName(long number) => HlsNames.Segment(Name, number);

    /// <summary>The current init segment's version (its bytes are in <see cref="Store"/>).</summary>
    public int InitVersion { get; private set; } = -1;

    public string? Codecs { get; private set; }

    /// <summary>The track's format as the stream announced it when the publication began (size, sample rate).</summary>
    public (int Width, int Height, int SampleRate, int Channels) Format { get; set; }

    /// <summary>A new init segment.</summary>
    public void SetInit(HlsInitReady init)
    {
        lock (_gate)
        {
            InitVersion = init.Version;
            Codecs = init.Codecs;
        }
    }

    /// <summary>A new publication: its timestamps start again, so does the timeline (the numbers go on).</summary>
    public void Restart()
    {
        lock (_gate)
        {
            _timeline.Clear();
            ZeroWall = null;
        }
    }

    /// <summary>The wall time of media time 0, once the first segment completed.</summary>
    public DateTimeOffset? ZeroWall { get; private set; }

    public long Timescale { get; private set; } = 1;

    /// <summary>A segment completed at <paramref name="now"/>.</summary>
    public void Add(HlsSegmentEnded ended, DateTimeOffset now)
    {
        lock (_gate)
        {
            Timescale = ended.Timescale;
            ZeroWall ??= now - TimeSpan.FromSeconds((double)(ended.Start + ended.Length) / ended.Timescale);
            _timeline.Add(new DashSegment(ended.Sequence, ended.Start, ended.Length));
            if (_timeline.Count > (rolling ? settings.WindowLength : MaxListed))
            {
                _timeline.RemoveAt(0);
            }
        }
    }

    /// <summary>The segment is on disk or given up (the writer's; in order): the MPD on disk lists up to it.</summary>
    public void Settle(long number)
    {
        var seen = Volatile.Read(ref _settled);
        while (seen < number && Interlocked.CompareExchange(ref _settled, number, seen) is var now && now != seen)
        {
            seen = now;
        }
    }

    /// <summary>The track as a Representation (paths under <paramref name="prefix"/>), or null before its first segment.</summary>
    public DashRepresentation? ToRepresentation(string id, string prefix, long bandwidth, bool onDiskOnly)
    {
        lock (_gate)
        {
            if (ZeroWall is not { } zero || Codecs is not { } codecs)
            {
                return null;
            }

            var through = onDiskOnly ? Volatile.Read(ref _settled) : long.MaxValue;
            var segments = _timeline.Where(s => s.Number <= through).ToList();
            return segments.Count == 0 ? null : new DashRepresentation(
                id + "_" + Name, Kind, codecs, bandwidth > 0 ? bandwidth : Math.Max(1, Store.PeakBandwidth), Format, Timescale, zero,
                prefix + InitName, prefix + MediaTemplate, segments);
        }
    }
}
