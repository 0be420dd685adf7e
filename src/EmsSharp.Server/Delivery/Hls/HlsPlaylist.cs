using System.Globalization;
using System.Text;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>
/// One HLS output's media playlist, kept in memory: the init segments, the last <see cref="HlsPlaylistSettings.WindowLength"/>
/// complete segments with their parts (the bytes the ems serves over HTTP), and the segment being written. Renders the
/// Low-Latency playlist served over HTTP (RFC 8216bis: parts, preload hint, blocking reload) and the plain one written to
/// disk (RFC 8216). Fed by one writer (the output's loop); read by any number of HTTP requests. Thread-safe: one lock.
/// </summary>
internal sealed class HlsPlaylist
{
    private const int MaxHistory = 100_000; // an appending playlist's segment list on disk, bounded

    private readonly Lock _gate = new();
    private readonly HlsPlaylistSettings _settings;
    private readonly LinkedList<HlsSegment> _segments = new();
    private readonly List<HlsSegmentInfo> _history = [];
    private readonly Dictionary<int, byte[]> _inits = [];
    private TaskCompletionSource _changed = NewSignal();
    private HlsSegment? _open;
    private long _discontinuitySequence;
    private long _historyDiscontinuities;
    private int _targetDuration;
    private bool _ended;

    public HlsPlaylist(HlsPlaylistSettings settings)
    {
        _settings = settings;
        _targetDuration = Math.Max(1, (int)Math.Ceiling(settings.ChunkLength.TotalSeconds));
    }

    public HlsPlaylistSettings Settings => _settings;

    /// <summary>The RFC 6381 codecs of the current init segment, or null before there is one.</summary>
    public string? Codecs { get; private set; }

    /// <summary>The highest bit rate of a complete segment (bits/s), 0 before the first: the master playlist's estimate.</summary>
    public long PeakBandwidth { get; private set; }

    /// <summary>Applies one event of the segmenter.</summary>
    public void Apply(HlsSegmenterEvent segmenterEvent)
    {
        lock (_gate)
        {
            switch (segmenterEvent)
            {
                case HlsInitReady init:
                    _inits[init.Version] = init.Bytes;
                    _inits.Remove(init.Version - 8); // a few stay for segments still in the window
                    Codecs = init.Codecs;
                    _ended = false;
                    break;
                case HlsSegmentStarted started:
                    _open = new HlsSegment(started.Sequence, started.Discontinuity, started.InitVersion);
                    _segments.AddLast(_open);
                    _ended = false;
                    break;
                case HlsPartReady part when _open is { } open && open.Sequence == part.Sequence:
                    open.Parts.Add(part);
                    open.Bytes += part.Bytes.Length;
                    open.Duration += part.Duration;
                    break;
                case HlsSegmentEnded ended when _open is { } open && open.Sequence == ended.Sequence:
                    open.Complete = true;
                    _open = null;
                    _targetDuration = Math.Max(_targetDuration, (int)Math.Round(open.Duration.TotalSeconds, MidpointRounding.AwayFromZero));
                    if (open.Duration > TimeSpan.Zero)
                    {
                        PeakBandwidth = Math.Max(PeakBandwidth, (long)(open.Bytes * 8 / open.Duration.TotalSeconds));
                    }

                    _history.Add(new HlsSegmentInfo(open.Sequence, open.Duration, open.Discontinuity, open.InitVersion));
                    if (_history.Count > (_settings.Appending ? MaxHistory : _settings.WindowLength))
                    {
                        _history.RemoveAt(0);
                        _historyDiscontinuities += _history[0].Discontinuity ? 1 : 0; // §4.3.3.3
                    }

                    Trim();
                    break;
            }

            Signal();
        }
    }

    /// <summary>The stream ended: the open segment is dropped, and parked requests are answered with what there is.</summary>
    public void End()
    {
        lock (_gate)
        {
            if (_open is { } open)
            {
                _segments.Remove(open);
                _open = null;
            }

            _ended = true;
            Signal();
        }
    }

    /// <summary>The bytes of init segment <paramref name="version"/>.</summary>
    public byte[]? GetInit(int version)
    {
        lock (_gate)
        {
            return _inits.GetValueOrDefault(version);
        }
    }

    /// <summary>A complete segment's bytes (its parts, concatenated), or null when it is not held.</summary>
    public byte[]? GetSegment(long sequence)
    {
        lock (_gate)
        {
            return Find(sequence) is { Complete: true } s ? Concat(s) : null;
        }
    }

    /// <summary>A part's bytes, or null when it is not held (yet, or any more).</summary>
    public byte[]? GetPart(long sequence, int index)
    {
        lock (_gate)
        {
            return Find(sequence) is { } s && index < s.Parts.Count ? s.Parts[index].Bytes : null;
        }
    }

    /// <summary>
    /// Whether the playlist holds part <paramref name="part"/> of segment <paramref name="msn"/> (or segment
    /// <paramref name="msn"/> complete when <paramref name="part"/> is null) or anything later: what a blocking playlist
    /// reload waits for (RFC 8216bis §6.2.5.2). Also true once the stream ended (nothing more will come).
    /// </summary>
    public bool Has(long msn, int? part)
    {
        lock (_gate)
        {
            return HasLocked(msn, part);
        }
    }

    /// <summary>
    /// Whether a request for part <paramref name="part"/> of segment <paramref name="msn"/> (or the segment) asks too far
    /// ahead: past the next segment after the last one (RFC 8216bis §6.2.5.2: "the last Media Segment plus two"), so it
    /// is answered 400 at once instead of being parked.
    /// </summary>
    public bool IsTooFarAhead(long msn, int? part)
    {
        lock (_gate)
        {
            var last = _segments.Last?.Value;
            var lastSequence = last?.Sequence ?? -1;
            if (msn > lastSequence + 2)
            {
                return true;
            }

            // A part index beyond what fits in a segment (in parts of the target) is no part the server will make.
            return part is { } p && p > (_targetDuration * 4 * TimeSpan.TicksPerSecond / Math.Max(1, _settings.PartTarget.Ticks)) + 16;
        }
    }

    /// <summary>
    /// Waits until <see cref="Has"/> is true or <paramref name="cancellationToken"/> fires (the caller's bounded timeout):
    /// true when satisfied.
    /// </summary>
    public async Task<bool> WaitForAsync(long msn, int? part, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (HasLocked(msn, part))
                {
                    return true;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    /// <summary>The Low-Latency media playlist served over HTTP (RFC 8216bis §4.4.3.7-8, §4.4.4.9, §4.4.5.3).</summary>
    public string RenderLowLatency()
    {
        lock (_gate)
        {
            var sb = new StringBuilder(1024);
            var partTarget = _settings.PartTarget.TotalSeconds;
            sb.Append("#EXTM3U\n#EXT-X-VERSION:7\n");
            Line(sb, $"#EXT-X-TARGETDURATION:{_targetDuration}");
            // §4.4.3.8: PART-HOLD-BACK at least twice the part target; three times, as Apple recommends.
            Line(sb, $"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={3 * partTarget:0.000}");
            Line(sb, $"#EXT-X-PART-INF:PART-TARGET={partTarget:0.000}");
            var first = _segments.First?.Value;
            Line(sb, $"#EXT-X-MEDIA-SEQUENCE:{first?.Sequence ?? 0}");
            if (_discontinuitySequence > 0)
            {
                Line(sb, $"#EXT-X-DISCONTINUITY-SEQUENCE:{_discontinuitySequence}");
            }

            // §4.4.4.9: parts are listed for the segments within three target durations of the live edge.
            var partsFrom = TimeSpan.Zero;
            var total = TimeSpan.Zero;
            foreach (var s in _segments)
            {
                total += s.Duration;
            }

            partsFrom = total - TimeSpan.FromSeconds(3 * _targetDuration);
            var elapsed = TimeSpan.Zero;
            var map = -1;
            foreach (var s in _segments)
            {
                if (s.Discontinuity && !ReferenceEquals(s, first))
                {
                    sb.Append("#EXT-X-DISCONTINUITY\n");
                }

                if (s.InitVersion != map)
                {
                    map = s.InitVersion;
                    Line(sb, $"#EXT-X-MAP:URI=\"{HlsNames.Init(map)}\"");
                }

                if (elapsed + s.Duration >= partsFrom || !s.Complete)
                {
                    for (var i = 0; i < s.Parts.Count; i++)
                    {
                        var p = s.Parts[i];
                        sb.Append(CultureInfo.InvariantCulture, $"#EXT-X-PART:DURATION={p.Duration.TotalSeconds:0.00000},URI=\"{HlsNames.Part(_settings.ChunkBaseName, s.Sequence, i)}\"");
                        sb.Append(p.Independent ? ",INDEPENDENT=YES\n" : "\n");
                    }
                }

                elapsed += s.Duration;
                if (s.Complete)
                {
                    Line(sb, $"#EXTINF:{s.Duration.TotalSeconds:0.00000},");
                    sb.Append(HlsNames.Segment(_settings.ChunkBaseName, s.Sequence)).Append('\n');
                }
            }

            if (_ended)
            {
                return sb.ToString();
            }

            // §4.4.5.3: the part the server writes next, which a client may request ahead (it is held until it exists).
            var (hintSequence, hintPart) = _open is { } open ? (open.Sequence, open.Parts.Count) : ((_segments.Last?.Value.Sequence ?? -1) + 1, 0);
            if (hintSequence >= 0 && _segments.Count > 0)
            {
                Line(sb, $"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{HlsNames.Part(_settings.ChunkBaseName, hintSequence, hintPart)}\"");
            }

            return sb.ToString();
        }
    }

    /// <summary>
    /// Marks a complete segment that was never written to disk (its write was dropped or failed): the file playlist keeps
    /// it with EXT-X-GAP (draft-pantos-hls-rfc8216bis §4.4.4.7: "the Media Segment URI to which it applies does not
    /// contain media data and SHOULD NOT be loaded by clients"). A gap keeps the media sequence, the timeline and the
    /// segment's duration, so players skip its time rather than re-sync as an EXT-X-DISCONTINUITY (§4.4.4.3) would ask
    /// of them; leaving the segment out would make the listed durations disagree with the segments' timestamps.
    /// </summary>
    public void MarkGap(long sequence)
    {
        lock (_gate)
        {
            for (var i = _history.Count - 1; i >= 0; i--)
            {
                if (_history[i].Sequence == sequence)
                {
                    _history[i] = _history[i] with { Gap = true };
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The plain media playlist written to disk (RFC 8216 §4.3): complete segments up to <paramref name="through"/> (the
    /// last one on disk or given up: a segment still queued for the disk is not listed yet), EXT-X-ENDLIST once the
    /// stream ended when <paramref name="endList"/> (an appending playlist that nothing will be added to).
    /// </summary>
    public string RenderFile(long through = long.MaxValue, bool endList = true)
    {
        lock (_gate)
        {
            var sb = new StringBuilder(1024);
            sb.Append("#EXTM3U\n#EXT-X-VERSION:7\n");
            Line(sb, $"#EXT-X-TARGETDURATION:{_targetDuration}");
            if (_settings.Appending)
            {
                sb.Append("#EXT-X-PLAYLIST-TYPE:EVENT\n");
            }

            Line(sb, $"#EXT-X-MEDIA-SEQUENCE:{(_history.Count > 0 ? _history[0].Sequence : 0)}");
            if (_historyDiscontinuities > 0)
            {
                Line(sb, $"#EXT-X-DISCONTINUITY-SEQUENCE:{_historyDiscontinuities}");
            }

            var map = -1;
            for (var i = 0; i < _history.Count; i++)
            {
                var s = _history[i];
                if (s.Sequence > through)
                {
                    break;
                }

                if (s.Discontinuity && i > 0)
                {
                    sb.Append("#EXT-X-DISCONTINUITY\n");
                }

                if (s.InitVersion != map)
                {
                    map = s.InitVersion;
                    Line(sb, $"#EXT-X-MAP:URI=\"{HlsNames.Init(map)}\"");
                }

                if (s.Gap)
                {
                    sb.Append("#EXT-X-GAP\n");
                }

                Line(sb, $"#EXTINF:{s.Duration.TotalSeconds:0.00000},");
                sb.Append(HlsNames.Segment(_settings.ChunkBaseName, s.Sequence)).Append('\n');
            }

            if (_ended && endList && _settings.Appending && (_history.Count == 0 || _history[^1].Sequence <= through))
            {
                sb.Append("#EXT-X-ENDLIST\n");
            }

            return sb.ToString();
        }
    }

    private static void Line(StringBuilder sb, FormattableString text) =>
        sb.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private bool HasLocked(long msn, int? part)
    {
        if (_ended)
        {
            return true;
        }

        var last = _segments.Last?.Value;
        if (last is null || last.Sequence < msn)
        {
            return false;
        }

        if (last.Sequence > msn && (last.Parts.Count > 0 || last.Complete))
        {
            return true;
        }

        var s = Find(msn);
        return s is not null && (part is { } p ? s.Parts.Count > p || s.Complete : s.Complete);
    }

    // Keeps WindowLength complete segments (and the open one) in memory, within the byte budget.
    private void Trim()
    {
        var complete = _segments.Count - (_open is null ? 0 : 1);
        var bytes = 0L;
        foreach (var s in _segments)
        {
            bytes += s.Bytes;
        }

        while (complete > 1 && (complete > _settings.WindowLength || bytes > _settings.MaxMemoryBytes))
        {
            var oldest = _segments.First!.Value;
            _segments.RemoveFirst();
            complete--;
            bytes -= oldest.Bytes;
            if (_segments.First?.Value.Discontinuity == true)
            {
                _discontinuitySequence++; // §4.3.3.3: counts the discontinuities that left the playlist
            }
        }
    }

    private HlsSegment? Find(long sequence)
    {
        for (var node = _segments.Last; node is not null; node = node.Previous)
        {
            if (node.Value.Sequence == sequence)
            {
                return node.Value;
            }

            if (node.Value.Sequence < sequence)
            {
                break;
            }
        }

        return null;
    }

    private static byte[] Concat(HlsSegment s)
    {
        var bytes = new byte[s.Bytes];
        var offset = 0;
        foreach (var p in s.Parts)
        {
            p.Bytes.CopyTo(bytes, offset);
            offset += p.Bytes.Length;
        }

        return bytes;
    }

    private void Signal()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class HlsSegment(long sequence, bool discontinuity, int initVersion)
    {
        public long Sequence { get; } = sequence;

        public bool Discontinuity { get; } = discontinuity;

        public int InitVersion { get; } = initVersion;

        public List<HlsPartReady> Parts { get; } = [];

        public long Bytes { get; set; }

        public TimeSpan Duration { get; set; }

        public bool Complete { get; set; }
    }

    private sealed record HlsSegmentInfo(long Sequence, TimeSpan Duration, bool Discontinuity, int InitVersion, bool Gap = false);
}

/// <summary>The shape of an <see cref="HlsPlaylist"/>.</summary>
/// <remarks>WindowLength: Complete segments listed (rolling) and held in memory: createHLSStream's playlistLength.</remarks>
/// <remarks>Appending: playlistType=appending: the file lists every segment (an EVENT playlist, RFC 8216 §4.3.3.5).</remarks>
/// <remarks>MaxMemoryBytes: The most segment bytes held in memory; older segments leave the HTTP playlist sooner.</remarks>
internal sealed record HlsPlaylistSettings(
    string ChunkBaseName, int WindowLength, bool Appending, TimeSpan ChunkLength, TimeSpan PartTarget, long MaxMemoryBytes);

/// <summary>File names of an HLS output, the same on disk and over HTTP.</summary>
internal static class HlsNames
{
    public static string Init(int version) => version == 0 ? "init.mp4" : string.Create(CultureInfo.InvariantCulture, $"init_{version}.mp4");

    public static string Segment(string baseName, long sequence) => string.Create(CultureInfo.InvariantCulture, $"{baseName}_{sequence}.m4s");

    public static string Part(string baseName, long sequence, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{baseName}_{sequence}.{index}.m4s");
}
