using EmsSharp.Media.Flv;
using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Plays an FLV file into a live stream as if it were live, without I/O or clocks: the caller says how much
/// time has elapsed, the player publishes every tag due by then and says when the next one is due. When
/// looping, each pass continues the timestamps of the previous one (one frame interval later), so the live
/// stream's timestamps stay monotonic forever.
/// </summary>
internal sealed class FlvLoopPlayer
{
    private const long DefaultGapMs = 40;

    private readonly FlvFileReader _reader;
    private readonly FlvTagPublisher _publisher;
    private readonly bool _loop;
    private readonly List<Amf0Value> _values = [];
    private long _offsetMs;
    private long? _fileStartMs;
    private long _lastMs;
    private long _lastVideoMs = -1;
    private long _gapMs = DefaultGapMs;
    private bool _tagsThisPass;
    private FlvTag? _pending;

    public FlvLoopPlayer(FlvFileReader reader, FlvTagPublisher publisher, bool loop)
    {
        _reader = reader;
        _publisher = publisher;
        _loop = loop;
    }

    /// <summary>Passes completed.</summary>
    public int Loops { get; private set; }

    /// <summary>Tags published.</summary>
    public long TagsPublished { get; private set; }

    /// <summary>
    /// Publishes every tag due at or before <paramref name="elapsed"/> (time since playback started) and returns
    /// when the next tag is due, or null when playback is over (end without loop, or an empty/broken file).
    /// </summary>
    public TimeSpan? PublishDue(TimeSpan elapsed)
    {
        while (true)
        {
            if (_pending is null && !TryNextTag())
            {
                return null;
            }

            var tag = _pending!.Value;
            var due = StreamTime(tag);
            if (due > (long)elapsed.TotalMilliseconds)
            {
                return TimeSpan.FromMilliseconds(due);
            }

            _pending = null;
            Publish(tag, due);
        }
    }

    private bool TryNextTag()
    {
        if (!_reader.TryReadTag(out var tag))
        {
            if (!_loop || !_tagsThisPass)
            {
                return false;
            }

            // Next pass: continue one frame interval after the last tag of this one.
            Loops++;
            _tagsThisPass = false;
            _offsetMs = _lastMs + _gapMs;
            _reader.Rewind();
            if (!_reader.TryReadTag(out tag))
            {
                return false;
            }
        }

        _pending = tag;
        _tagsThisPass = true;
        return true;
    }

    // The file's first tag is time 0 of the first pass; later passes start at their offset.
    private long StreamTime(FlvTag tag)
    {
        _fileStartMs ??= tag.Timestamp;
        return Math.Max(_offsetMs + tag.Timestamp - _fileStartMs.Value, _lastMs);
    }

    private void Publish(FlvTag tag, long timeMs)
    {
        _lastMs = timeMs;
        TagsPublished++;
        switch (tag.Type)
        {
            case FlvTagType.Video:
                if (_lastVideoMs >= 0 && timeMs > _lastVideoMs)
                {
                    _gapMs = timeMs - _lastVideoMs;
                }

                _lastVideoMs = timeMs;
                _publisher.PublishVideo(timeMs, tag.Body);
                break;
            case FlvTagType.Audio:
                _publisher.PublishAudio(timeMs, tag.Body);
                break;
            default:
                PublishMetadata(tag.Body.Span);
                break;
        }
    }

    // Script tag: "onMetaData" then an ECMA array (FLV specification v10.1, Annex E.5).
    private void PublishMetadata(ReadOnlySpan<byte> body)
    {
        _values.Clear();
        if (!Amf0Value.TryReadAll(body, Amf0Limits.Default, _values) || _values.Count < 2 ||
            _values[0].Text != "onMetaData")
        {
            return;
        }

        var width = _values[1].TryGetProperty("width", out var w) && w.Type == Amf0Type.Number ? w.Number : 0;
        var height = _values[1].TryGetProperty("height", out var h) && h.Type == Amf0Type.Number ? h.Number : 0;
        if (width is > 0 and < 100_000 && height is > 0 and < 100_000)
        {
            _publisher.SetDimensions((int)width, (int)height);
        }
    }
}
