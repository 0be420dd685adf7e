using EmsSharp.Media.Fmp4;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>
/// Sans-IO: cuts one live stream's hub frames into CMAF fMP4 media segments made of partial segments (RFC 8216bis §3.1.2,
/// §4.4.4.9), with the shared <see cref="Fmp4Muxer"/>. The muxer cuts a fragment before every keyframe and once its video
/// reaches the part target; each fragment becomes a part. A segment ends at the first keyframe past
/// <c>chunkLength</c> (so every segment starts with a keyframe and is independently decodable, RFC 8216 §6.2.4). Durations
/// come from the frames' own timestamps (the track clock: video when there is video, else audio), never from the wall clock.
/// A track configuration change makes a new init segment and a discontinuity. Drain <see cref="TryPoll"/> after each push.
/// </summary>
internal sealed class HlsSegmenter
{
    private readonly long _chunkTicks; // in TimeSpan ticks
    private readonly Fmp4MuxerOptions _muxerOptions;
    private readonly Queue<HlsSegmenterEvent> _events = new();
    private readonly List<byte[]> _pending = [];
    private Fmp4Muxer? _muxer;
    private VideoTrackConfig? _video;
    private AudioTrackConfig? _audio;
    private bool _configured;
    private int _initVersion;
    private bool _discontinuity;
    private bool _hasOrigin;
    private long _origin;
    private long _clock; // relative to _origin, in the clock track's rate
    private long _lastDelta;
    private long _clockRate = VideoTrackConfig.ClockRate;
    private long _partStart;
    private long _segmentStart;
    private bool _segmentOpen;
    private long _sequence;
    private int _partIndex;
    private bool _pendingIndependent;

    /// <param name="chunkLength">The shortest segment: it ends at the first keyframe past this.</param>
    /// <param name="partTarget">The part target duration (RFC 8216bis §4.4.3.7 PART-TARGET).</param>
    /// <param name="firstSequence">The first segment's media sequence number (a restarted stream continues the count).</param>
    /// <param name="firstInitVersion">The first init segment's version; above 0 the first segment is a discontinuity.</param>
    public HlsSegmenter(TimeSpan chunkLength, TimeSpan partTarget, long firstSequence = 0, int firstInitVersion = 0)
    {
        _chunkTicks = chunkLength.Ticks;
        _muxerOptions = new Fmp4MuxerOptions { MaxFragmentDuration = partTarget };
        _sequence = firstSequence - 1;
        _initVersion = firstInitVersion - 1;
    }

    /// <summary>Frames dropped here: no track for them, or refused by the muxer (before the first keyframe, say).</summary>
    public long DroppedFrames { get; private set; }

    /// <summary>The sequence number the next segment will get.</summary>
    public long NextSequence => _sequence + 1;

    /// <summary>The version the next init segment will get.</summary>
    public int NextInitVersion => _initVersion + 1;

    /// <summary>Adds one frame with the stream's track configurations as they are now.</summary>
    public void Push(in MediaFrame frame, VideoTrackConfig? video, AudioTrackConfig? audio)
    {
        if (!_configured || !Fmp4Tracks.SameVideo(_video, video) || !Fmp4Tracks.SameAudio(_audio, audio))
        {
            Rebuild(video, audio);
        }
        else
        {
            _video = video;
            _audio = audio;
        }

        if (_muxer is not { } muxer)
        {
            DroppedFrames++;
            return;
        }

        var before = muxer.DroppedSamples;
        if (!Fmp4Tracks.TryPush(muxer, frame, _audio))
        {
            DroppedFrames++;
            return;
        }

        if (muxer.DroppedSamples != before)
        {
            DroppedFrames += muxer.DroppedSamples - before;
            return;
        }

        var isClock = muxer.Video is not null ? frame.Kind == TrackKind.Video : frame.Kind == TrackKind.Audio;
        if (isClock)
        {
            if (!_hasOrigin)
            {
                _hasOrigin = true;
                _origin = frame.Dts;
                _clock = 0;
            }
            else
            {
                var now = frame.Dts - _origin;
                _lastDelta = now - _clock;
                _clock = now;
            }
        }

        Collect(muxer, _clock);
    }

    /// <summary>Ends the stream: the held-back frames become the last part, and the open segment ends.</summary>
    public void Flush()
    {
        if (_muxer is { } muxer)
        {
            muxer.Flush();
            Collect(muxer, _clock + Math.Max(_lastDelta, 1));
        }

        CloseSegment();
    }

    /// <summary>Takes the next event, in stream order.</summary>
    public bool TryPoll(out HlsSegmenterEvent segmenterEvent) => _events.TryDequeue(out segmenterEvent!);

    private void Rebuild(VideoTrackConfig? video, AudioTrackConfig? audio)
    {
        if (_muxer is not null)
        {
            Flush();
        }

        _configured = true;
        _video = video;
        _audio = audio;
        _muxer = Fmp4Tracks.CreateMuxer(video, audio, _muxerOptions);
        _hasOrigin = false;
        _partStart = 0;
        _clock = 0;
        _lastDelta = 0;
        if (_muxer is not { } muxer)
        {
            return;
        }

        _clockRate = muxer.Video is not null ? Fmp4VideoTrack.Timescale : muxer.Audio!.Timescale;
        _initVersion++;
        _discontinuity = _initVersion > 0;
        var codecs = string.Join(',', new[] { muxer.Video?.CodecString, muxer.Audio?.CodecString }.OfType<string>());
        _events.Enqueue(new HlsInitReady(_initVersion, muxer.InitSegment, codecs));
    }

    private void Collect(Fmp4Muxer muxer, long end)
    {
        while (muxer.TryPollFragment(out var fragment))
        {
            var independent = fragment.StartsWithKeyframe || muxer.Video is null;
            if (independent && _pending.Count == 0 && _segmentOpen && ToTicks(_partStart - _segmentStart) >= _chunkTicks)
            {
                CloseSegment();
            }

            if (!_segmentOpen)
            {
                _segmentOpen = true;
                _segmentStart = _partStart;
                _partIndex = 0;
                _sequence++;
                _events.Enqueue(new HlsSegmentStarted(_sequence, _discontinuity, _initVersion));
                _discontinuity = false;
            }

            if (_pending.Count == 0)
            {
                _pendingIndependent = independent;
            }

            var bytes = new byte[fragment.Length];
            fragment.TryCopyTo(bytes, out _);
            _pending.Add(bytes);
        }

        // A part ends where the clock track is now: the muxer holds the newest sample back, so the fragment it released
        // ends at that sample's decode time. A fragment released without the clock moving (audio while video stalls)
        // waits to be part of the next part rather than make one of no duration.
        if (_pending.Count > 0 && end > _partStart)
        {
            var bytes = _pending.Count == 1 ? _pending[0] : Concat(_pending);
            _pending.Clear();
            _events.Enqueue(new HlsPartReady(_sequence, _partIndex++, bytes, TimeSpan.FromTicks(ToTicks(end - _partStart)), _pendingIndependent));
            _partStart = end;
        }
    }

    private void CloseSegment()
    {
        if (!_segmentOpen)
        {
            return;
        }

        _segmentOpen = false;
        _events.Enqueue(new HlsSegmentEnded(
            _sequence, TimeSpan.FromTicks(ToTicks(_partStart - _segmentStart)), _segmentStart, _partStart - _segmentStart, _clockRate));
    }

    private long ToTicks(long clockTicks) => clockTicks * TimeSpan.TicksPerSecond / _clockRate;

    private static byte[] Concat(List<byte[]> parts)
    {
        var bytes = new byte[parts.Sum(static p => p.Length)];
        var offset = 0;
        foreach (var p in parts)
        {
            p.CopyTo(bytes, offset);
            offset += p.Length;
        }

        return bytes;
    }
}
