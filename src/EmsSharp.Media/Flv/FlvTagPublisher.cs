using EmsSharp.Media.Aac;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;

namespace EmsSharp.Media.Flv;

/// <summary>
/// Turns FLV audio/video tag bodies (from FLV files and RTMP messages alike) into hub tracks and frames:
/// AVC sequence header → avcC, AVC NALU → AVCC access unit (PTS = DTS + composition time), AAC sequence
/// header → AudioSpecificConfig, AAC raw → frame, G.711 → frame; millisecond timestamps → track clocks.
/// Frame payloads are slices of the tag body, which must not be written afterwards.
/// </summary>
public sealed class FlvTagPublisher
{
    private const int AacSamplesPerFrame = 1024;

    private readonly LiveStream _stream;
    private int _width;
    private int _height;
    private long? _nextAudioDts;

    /// <summary>Publishes into <paramref name="stream"/>.</summary>
    public FlvTagPublisher(LiveStream stream)
    {
        _stream = stream;
    }

    /// <summary>Tags that were malformed or of an unsupported codec, and dropped.</summary>
    public long DroppedTags { get; private set; }

    /// <summary>Sets the video dimensions announced by metadata (onMetaData width/height).</summary>
    public void SetDimensions(int width, int height)
    {
        if (width <= 0 || height <= 0 || (width == _width && height == _height))
        {
            return;
        }

        _width = width;
        _height = height;
        if (_stream.Video is { } video)
        {
            _stream.SetVideoTrack(video with { Width = width, Height = height });
        }
    }

    /// <summary>Handles one video tag body at <paramref name="timestampMs"/>; false when it was dropped.</summary>
    public bool PublishVideo(long timestampMs, ReadOnlyMemory<byte> body)
    {
        if (!FlvVideoTagHeader.TryRead(body.Span, out var header, out var consumed) ||
            header.CodecId != FlvVideoTagHeader.AvcCodecId || (header.FrameType & 0x08) != 0)
        {
            return Drop();
        }

        if (header.FrameType == 5)
        {
            return true; // video info/command frame: nothing to decode
        }

        var payload = body[consumed..];
        switch (header.AvcPacketType)
        {
            case 0:
                return SetAvcConfiguration(payload);
            case 1:
                {
                    if (_stream.Video is null || !TryScanAccessUnit(payload.Span, out var idr))
                    {
                        return Drop();
                    }

                    if (payload.IsEmpty)
                    {
                        return true;
                    }

                    var dts = timestampMs * VideoTrackConfig.ClockRate / 1000;
                    var pts = (timestampMs + header.CompositionTime) * VideoTrackConfig.ClockRate / 1000;
                    return _stream.Publish(new MediaFrame(TrackKind.Video, MediaCodec.H264, dts, pts, idr, payload));
                }

            default:
                return true; // end of sequence
        }
    }

    /// <summary>Handles one audio tag body at <paramref name="timestampMs"/>; false when it was dropped.</summary>
    public bool PublishAudio(long timestampMs, ReadOnlyMemory<byte> body)
    {
        if (!FlvAudioTagHeader.TryRead(body.Span, out var header, out var consumed))
        {
            return Drop();
        }

        var payload = body[consumed..];
        switch (header.SoundFormat)
        {
            case FlvAudioTagHeader.AacFormat when header.AacPacketType == 0:
                return SetAacConfiguration(payload);
            case FlvAudioTagHeader.AacFormat:
                return _stream.Audio is { Codec: MediaCodec.Aac } aac
                    ? PublishAudioFrame(aac, timestampMs, AacSamplesPerFrame, payload)
                    : Drop();
            case FlvAudioTagHeader.AlawFormat:
            case FlvAudioTagHeader.MulawFormat:
                {
                    var codec = header.SoundFormat == FlvAudioTagHeader.AlawFormat ? MediaCodec.Pcma : MediaCodec.Pcmu;
                    var channels = header.Stereo ? 2 : 1;
                    var audio = _stream.Audio;
                    if (audio is null || audio.Codec != codec || audio.Channels != channels)
                    {
                        audio = new AudioTrackConfig(codec, ReadOnlyMemory<byte>.Empty, 8000, channels);
                        _stream.SetAudioTrack(audio);
                    }

                    return payload.IsEmpty || PublishAudioFrame(audio, timestampMs, payload.Length / channels, payload);
                }

            default:
                return Drop();
        }
    }

    private bool PublishAudioFrame(AudioTrackConfig audio, long timestampMs, int samples, ReadOnlyMemory<byte> payload)
    {
        // Millisecond timestamps jitter by up to 1 ms; when they agree with the running sample count
        // within half a frame, the sample count wins, so frame durations stay exact.
        var derived = timestampMs * audio.SampleRate / 1000;
        var dts = _nextAudioDts is { } next && Math.Abs(derived - next) < Math.Max(samples / 2, 1) ? next : derived;
        _nextAudioDts = dts + samples;
        return _stream.Publish(new MediaFrame(TrackKind.Audio, audio.Codec, dts, dts, true, payload));
    }

    // ISO/IEC 14496-15 §5.3.3.1: configurationVersion = 1, ..., lengthSizeMinusOne in byte 4.
    private bool SetAvcConfiguration(ReadOnlyMemory<byte> record)
    {
        var span = record.Span;
        if (span.Length < 7 || span[0] != 1 || (span[4] & 0x03) != 3)
        {
            // Only 4-byte NAL lengths are carried through; other sizes are rare and dropped.
            return Drop();
        }

        if (_stream.Video is { } current && current.DecoderConfiguration.Span.SequenceEqual(span))
        {
            return true;
        }

        _stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, record, _width, _height));
        return true;
    }

    // ISO/IEC 14496-3 §1.6.2.1: the sample rate and channel count come from the AudioSpecificConfig.
    private bool SetAacConfiguration(ReadOnlyMemory<byte> config)
    {
        var span = config.Span;
        if (!AudioSpecificConfig.TryRead(span, out var parsed, out _) || parsed.ChannelConfiguration == 0)
        {
            return Drop();
        }

        if (_stream.Audio is { } current && current.DecoderConfiguration.Span.SequenceEqual(span))
        {
            return true;
        }

        _stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Aac, config, parsed.SamplingFrequency, parsed.ChannelConfiguration));
        _nextAudioDts = null;
        return true;
    }

    // ISO/IEC 14496-15 §5.3.4.2: a sample is a sequence of (4-byte length, NAL unit). Checks the framing
    // and finds an IDR picture (ITU-T H.264 Table 7-1).
    private static bool TryScanAccessUnit(ReadOnlySpan<byte> sample, out bool idr)
    {
        idr = false;
        var nals = new AvccNalEnumerator(sample);
        while (nals.MoveNext())
        {
            idr |= NalUnitHeader.GetType(nals.Current[0]) == NalUnitType.IdrSlice;
        }

        return !nals.IsMalformed;
    }

    private bool Drop()
    {
        DroppedTags++;
        return false;
    }
}
