using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Recording;

/// <summary>
/// Where a chunked recording (chunkLength &gt; 0) starts its next file, sans-IO: at the first video keyframe at least
/// chunkLength after the chunk's first frame, on the media's own clock (the frames' timestamps, so a chunk holds
/// chunkLength of media whatever the pace of delivery). A stream without video is cut at the first audio frame past it.
/// </summary>
internal sealed class RecordChunker(int chunkLengthSeconds)
{
    private long _start;
    private bool _started;

    /// <summary>
    /// Whether <paramref name="frame"/> (of a stream with video when <paramref name="hasVideo"/>, audio at
    /// <paramref name="audioSampleRate"/>) begins a new chunk; the first frame only starts the clock.
    /// </summary>
    public bool ShouldCut(in MediaFrame frame, bool hasVideo, int audioSampleRate)
    {
        if (hasVideo ? frame.Kind != TrackKind.Video : frame.Kind != TrackKind.Audio || audioSampleRate <= 0)
        {
            return false;
        }

        var rate = hasVideo ? VideoTrackConfig.ClockRate : audioSampleRate;
        if (!_started)
        {
            (_start, _started) = (frame.Dts, true);
            return false;
        }

        if (chunkLengthSeconds <= 0 || !frame.IsKeyframe || frame.Dts - _start < (long)chunkLengthSeconds * rate)
        {
            return false;
        }

        _start = frame.Dts;
        return true;
    }

    /// <summary>Restarts the clock at the next frame (a new file began for another reason).</summary>
    public void Reset() => _started = false;
}
