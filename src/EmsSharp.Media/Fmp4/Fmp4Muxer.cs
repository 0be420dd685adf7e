using System.Buffers.Binary;

namespace EmsSharp.Media.Fmp4;

/// <summary>
/// Incremental fragmented-MP4 muxer (ISO/IEC 14496-12 §8.8) for one live stream, sans-IO.
/// <para>
/// Input, as the stream hub stores it: video AVCC access units (4-byte lengths) with DTS/PTS in
/// 90 kHz and a keyframe flag; audio raw AAC frames (no ADTS) with DTS in the sampling rate, or Opus packets with DTS in 48 kHz. Output:
/// <see cref="InitSegment"/> once, then <see cref="Fmp4Fragment"/>s drained with <see cref="TryPollFragment"/>.
/// </para>
/// <para>
/// Durations: a sample's duration is the next sample's DTS minus its own, so each track holds its
/// last sample back until the next one arrives (one video frame of latency; exact timing, no gaps
/// for Chromium to stall on). <see cref="Flush"/> releases the held samples with the previous duration.
/// </para>
/// <para>
/// Cut policy: a fragment ends before every video keyframe, and when its video reaches
/// <see cref="Fmp4MuxerOptions.MaxFragmentDuration"/> (default zero: one fragment per video frame).
/// A fragment carries the audio samples whose DTS is before the fragment's video end time. The first
/// fragment starts with a keyframe: video before the first keyframe and audio before it is dropped.
/// Timestamps are rebased so that the first keyframe decodes at 0. Samples whose DTS does not increase
/// are dropped and counted. If fragments become ready faster than they are polled they merge into one.
/// When video stalls for over a second, audio is released in audio-only fragments so it does not pile up.
/// </para>
/// </summary>
public sealed class Fmp4Muxer
{
    private const uint SyncSampleFlags = 0x02000000; // §8.8.3.1: sample_depends_on = 2 (I picture)
    private const uint NonSyncSampleFlags = 0x01010000; // sample_depends_on = 1, sample_is_non_sync_sample = 1
    private const int MfhdSize = 16;
    private const int TrafFixedSize = 8 + 16 + 20 + 20; // traf header, tfhd, tfdt v1, trun header

    private readonly Fmp4VideoTrack? _video;
    private readonly Fmp4AudioTrack? _audio;
    private readonly Fmp4TrackBuffer _videoSamples = new();
    private readonly Fmp4TrackBuffer _audioSamples = new();
    private readonly long _maxFragmentTicks;
    private readonly long _audioOnlyFragmentTicks;
    private readonly int _maxSampleSize;
    private readonly byte[] _mdatHeader = new byte[8];
    private byte[] _moof = new byte[1024];
    private bool _hasOrigin;
    private long _videoOrigin;
    private long _audioOrigin;
    private int _readyVideo;
    private int _readyAudio;
    private int _polledVideo;
    private int _polledAudio;
    private uint _sequenceNumber;

    /// <summary>Creates a muxer for a video track, an audio track, or both.</summary>
    public Fmp4Muxer(Fmp4VideoTrack? video, Fmp4AudioTrack? audio, Fmp4MuxerOptions? options = null)
    {
        options ??= new Fmp4MuxerOptions();
        _video = video;
        _audio = audio;
        InitSegment = Fmp4InitSegment.Build(video, audio);
        _maxSampleSize = options.MaxSampleSize;
        _maxFragmentTicks = options.MaxFragmentDuration.Ticks * Fmp4VideoTrack.Timescale / TimeSpan.TicksPerSecond;
        var audioOnly = TimeSpan.FromTicks(Math.Max(options.MaxFragmentDuration.Ticks, TimeSpan.TicksPerSecond / 10));
        _audioOnlyFragmentTicks = audio is null ? 0 : audioOnly.Ticks * audio.Timescale / TimeSpan.TicksPerSecond;
    }

    /// <summary>ftyp + moov.</summary>
    public byte[] InitSegment { get; }

    /// <summary>The video track, if any.</summary>
    public Fmp4VideoTrack? Video => _video;

    /// <summary>The audio track, if any.</summary>
    public Fmp4AudioTrack? Audio => _audio;

    /// <summary>Samples dropped: before the first keyframe, oversized, or with a non-increasing DTS.</summary>
    public long DroppedSamples { get; private set; }

    /// <summary>Adds a video access unit (AVCC, 4-byte lengths); <paramref name="dts"/>/<paramref name="pts"/> in 90 kHz.</summary>
    public void PushVideo(ReadOnlySpan<byte> accessUnit, long dts, long pts, bool isKeyframe)
    {
        ReleasePolled();
        if (_video is null || accessUnit.Length == 0 || accessUnit.Length > _maxSampleSize
            || (!_hasOrigin && !isKeyframe) || pts - dts is > int.MaxValue or < int.MinValue)
        {
            DroppedSamples++;
            return;
        }

        if (!_hasOrigin)
        {
            SetOrigin(dts, Fmp4VideoTrack.Timescale);
        }

        var relative = dts - _videoOrigin;
        var v = _videoSamples;
        if (v.Count > 0)
        {
            ref var last = ref v.Last;
            if (relative <= last.Dts || relative - last.Dts > uint.MaxValue)
            {
                DroppedSamples++;
                return;
            }

            last.Duration = (uint)(relative - last.Dts);
            var fragmentStart = v[_readyVideo == v.Count ? v.Count - 1 : _readyVideo].Dts;
            if (isKeyframe || _maxFragmentTicks == 0 || relative - fragmentStart >= _maxFragmentTicks)
            {
                _readyVideo = v.Count;
                MarkAudioReadyBefore(relative);
            }
        }

        v.Add(accessUnit, relative, pts - _videoOrigin, isKeyframe);
    }

    /// <summary>Adds a raw AAC frame or an Opus packet; <paramref name="dts"/> in the track's <see cref="Fmp4AudioTrack.Timescale"/>.</summary>
    public void PushAudio(ReadOnlySpan<byte> frame, long dts)
    {
        ReleasePolled();
        if (_audio is null || frame.Length == 0 || frame.Length > _maxSampleSize || (!_hasOrigin && _video is not null))
        {
            DroppedSamples++;
            return;
        }

        if (!_hasOrigin)
        {
            SetOrigin(dts, _audio.Timescale);
        }

        var relative = dts - _audioOrigin;
        var a = _audioSamples;
        if (relative < 0 || (a.Count > 0 && (relative <= a.Last.Dts || relative - a.Last.Dts > uint.MaxValue)))
        {
            DroppedSamples++;
            return;
        }

        if (a.Count > 0)
        {
            a.Last.Duration = (uint)(relative - a.Last.Dts);
        }

        a.Add(frame, relative, relative, true);
        if (a.Count < 2)
        {
            return;
        }

        var completeEnd = a[a.Count - 2].Dts + a[a.Count - 2].Duration;
        if (_video is null)
        {
            if (completeEnd - a[_readyAudio].Dts >= _audioOnlyFragmentTicks)
            {
                _readyAudio = a.Count - 1;
            }
        }
        else if (completeEnd * Fmp4VideoTrack.Timescale > (VideoEnd + Fmp4VideoTrack.Timescale) * _audio.Timescale)
        {
            // Video stalled for over a second: let audio go on alone rather than pile up.
            _readyAudio = a.Count - 1;
        }
    }

    // Decode time (relative, 90 kHz) up to which video has been pushed.
    private long VideoEnd => _videoSamples.Count == 0 ? 0 : _videoSamples.Last.Dts;

    /// <summary>Ends the stream: held-back samples become ready, each with its track's previous duration.</summary>
    public void Flush()
    {
        ReleasePolled();
        CompleteLast(_videoSamples, 3000);
        CompleteLast(_audioSamples, (uint)(_audio?.SamplesPerFrame ?? 1024));
        _readyVideo = _videoSamples.Count;
        _readyAudio = _audioSamples.Count;
    }

    /// <summary>
    /// Returns the next complete fragment. Its memory is owned by the muxer and stays valid until the next
    /// call to any method of this muxer.
    /// </summary>
    public bool TryPollFragment(out Fmp4Fragment fragment)
    {
        ReleasePolled();
        fragment = default;
        var videoCount = _readyVideo;
        var audioCount = _readyAudio;
        if (videoCount == 0 && audioCount == 0)
        {
            return false;
        }

        var v = _videoSamples;
        var a = _audioSamples;
        var videoBytes = videoCount == 0 ? 0 : (videoCount == v.Count ? v.DataLength : v[videoCount].Offset);
        var audioBytes = audioCount == 0 ? 0 : (audioCount == a.Count ? a.DataLength : a[audioCount].Offset);
        var moofSize = 8 + MfhdSize + (videoCount == 0 ? 0 : TrafFixedSize + (16 * videoCount))
            + (audioCount == 0 ? 0 : TrafFixedSize + (12 * audioCount));
        if (_moof.Length < moofSize)
        {
            _moof = new byte[Math.Max(moofSize, _moof.Length * 2)];
        }

        var w = new BoxWriter(_moof);
        var moof = w.BeginBox(BoxWriter.FourCc("moof"));
        var mfhd = w.BeginFullBox(BoxWriter.FourCc("mfhd"), 0, 0); // §8.8.5
        w.WriteUInt32(++_sequenceNumber);
        w.EndBox(mfhd);
        var dataOffset = (uint)(moofSize + 8);
        if (videoCount > 0)
        {
            WriteTraf(ref w, Fmp4VideoTrack.TrackId, v, videoCount, dataOffset, withCompositionOffsets: true);
        }

        if (audioCount > 0)
        {
            WriteTraf(ref w, Fmp4AudioTrack.TrackId, a, audioCount, dataOffset + (uint)videoBytes, withCompositionOffsets: false);
        }

        w.EndBox(moof);

        // §8.1.1 MediaDataBox header: video samples first, then audio.
        BinaryPrimitives.WriteUInt32BigEndian(_mdatHeader, (uint)(8 + videoBytes + audioBytes));
        BinaryPrimitives.WriteUInt32BigEndian(_mdatHeader.AsSpan(4), BoxWriter.FourCc("mdat"));

        fragment = new Fmp4Fragment(_moof.AsMemory(0, moofSize), _mdatHeader, v.GetData(videoBytes), a.GetData(audioBytes),
            _sequenceNumber, videoCount, audioCount, videoCount > 0 && v[0].IsSync);
        _polledVideo = videoCount;
        _polledAudio = audioCount;
        _readyVideo = 0;
        _readyAudio = 0;
        return true;
    }

    // §8.8.6 TrackFragmentBox: tfhd (default-base-is-moof), tfdt v1, trun v1 (signed composition offsets).
    private static void WriteTraf(ref BoxWriter w, uint trackId, Fmp4TrackBuffer samples, int count, uint dataOffset,
        bool withCompositionOffsets)
    {
        var traf = w.BeginBox(BoxWriter.FourCc("traf"));
        var tfhd = w.BeginFullBox(BoxWriter.FourCc("tfhd"), 0, 0x020000); // §8.8.7 default-base-is-moof
        w.WriteUInt32(trackId);
        w.EndBox(tfhd);
        var tfdt = w.BeginFullBox(BoxWriter.FourCc("tfdt"), 1, 0); // §8.8.12 baseMediaDecodeTime, 64-bit
        w.WriteUInt64((ulong)samples[0].Dts);
        w.EndBox(tfdt);

        // §8.8.8 TrackRunBox: data-offset (0x1), sample-duration (0x100), -size (0x200), -flags (0x400),
        // -composition-time-offset (0x800; version 1 makes it signed).
        var flags = 0x000701u | (withCompositionOffsets ? 0x000800u : 0);
        var trun = w.BeginFullBox(BoxWriter.FourCc("trun"), 1, flags);
        w.WriteUInt32((uint)count);
        w.WriteUInt32(dataOffset);
        for (var i = 0; i < count; i++)
        {
            ref var s = ref samples[i];
            w.WriteUInt32(s.Duration);
            w.WriteUInt32((uint)s.Size);
            w.WriteUInt32(s.IsSync ? SyncSampleFlags : NonSyncSampleFlags);
            if (withCompositionOffsets)
            {
                w.WriteUInt32((uint)(int)(s.Pts - s.Dts));
            }
        }

        w.EndBox(trun);
        w.EndBox(traf);
    }

    private static void CompleteLast(Fmp4TrackBuffer samples, uint fallback)
    {
        if (samples.Count > 0)
        {
            samples.Last.Duration = samples.Count > 1 ? samples[samples.Count - 2].Duration : fallback;
        }
    }

    private void SetOrigin(long dts, uint timescale)
    {
        _hasOrigin = true;
        _videoOrigin = dts * Fmp4VideoTrack.Timescale / timescale;
        _audioOrigin = _audio is null ? 0 : dts * _audio.Timescale / timescale;
    }

    // Audio that is complete (its duration is known) and decodes before the video fragment's end.
    private void MarkAudioReadyBefore(long videoEnd)
    {
        if (_audio is null)
        {
            return;
        }

        var a = _audioSamples;
        var ready = _readyAudio;
        while (ready < a.Count - 1 && a[ready].Dts * Fmp4VideoTrack.Timescale < videoEnd * _audio.Timescale)
        {
            ready++;
        }

        _readyAudio = ready;
    }

    private void ReleasePolled()
    {
        if (_polledVideo == 0 && _polledAudio == 0)
        {
            return;
        }

        _videoSamples.RemoveFirst(_polledVideo);
        _audioSamples.RemoveFirst(_polledAudio);
        _readyVideo = Math.Max(0, _readyVideo - _polledVideo);
        _readyAudio = Math.Max(0, _readyAudio - _polledAudio);
        _polledVideo = 0;
        _polledAudio = 0;
    }
}
