using EmsSharp.Media.Flv;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// One RTMP output's feed (a player of the listener, or a push to another server): the hub frames of its live stream, read through its own bounded <see cref="LiveStreamReader"/>
/// (which starts at the GOP cache's keyframe and, when the player lags, skips to the next keyframe and counts), turned into
/// FLV-style RTMP messages on its session (an <see cref="IRtmpMediaSink"/>: the server session of a player, the client session of
/// a push; RTMP 1.0 §7.1.4, §7.1.5; FLV v10.1 Annex E): the AVC
/// sequence header (AVCDecoderConfigurationRecord) and AAC sequence header (AudioSpecificConfig) before a track's first frame
/// and again whenever they change, then the frames, their timestamps in ms relative to the first frame sent (or, with
/// <paramref name="absoluteTimestamps"/>, the source's own, as pushStream's rtmpAbsoluteTimestamps asks). H.264, AAC and
/// G.711 are carried; frames of other codecs (Opus has no FLV sound format) are skipped and counted.
/// Used by one connection loop only.
/// </summary>
internal sealed class RtmpPlayer(uint messageStreamId, LiveStreamReader reader, bool absoluteTimestamps = false) : IDisposable
{
    private const byte AvcKeyframe = 1; // FLV E.4.3.1 FrameType
    private const byte AvcInterFrame = 2;
    private const byte AvcSequenceHeader = 0; // AVCPacketType
    private const byte AvcNalu = 1;
    private const byte AacSequenceHeader = 0; // AACPacketType
    private const byte AacRaw = 1;

    private VideoTrackConfig? _sentVideo;
    private AudioTrackConfig? _sentAudio;
    private long? _baseMs;

    /// <summary>The RTMP message stream the player plays on.</summary>
    public uint MessageStreamId { get; } = messageStreamId;

    /// <summary>The live stream it plays.</summary>
    public LiveStream Stream => reader.Stream;

    /// <summary>The reader (to wait on).</summary>
    public LiveStreamReader Reader => reader;

    /// <summary>Frames sent so far.</summary>
    public long SentFrames { get; private set; }

    /// <summary>Frames the reader dropped because the player lagged (skips to a keyframe).</summary>
    public long DroppedFrames => reader.DroppedFrames;

    /// <summary>Frames not sent because FLV cannot carry their codec or their track had no configuration yet.</summary>
    public long SkippedFrames { get; private set; }

    /// <summary>Bytes of media message payloads sent (tag headers, sequence headers and frames).</summary>
    public long SentBytes { get; private set; }

    /// <summary>What the last <see cref="Drain"/> call sent (frames and their message bytes, and the audio part of each), for the caller's counters.</summary>
    public (int Frames, long Bytes, int AudioFrames, long AudioBytes) LastDrain { get; private set; }

    /// <summary>
    /// The <c>onMetaData</c> FMS sends a player (and encoders send a server): what is known of the tracks now, with the FLV
    /// codec ids (7 AVC; 10 AAC, 7 and 8 G.711), the dimensions (announced, else from the SPS) and the audio format.
    /// </summary>
    public static Amf0Value Metadata(LiveStream stream)
    {
        var properties = new List<KeyValuePair<string, Amf0Value>> { new("duration", Amf0Value.FromNumber(0)) };
        if (stream.Video is { Codec: MediaCodec.H264 } video)
        {
            var (width, height) = (video.Width, video.Height);
            if ((width <= 0 || height <= 0) && AvcDecoderConfigurationRecord.TryRead(video.DecoderConfiguration.Span, out var record, out _) &&
                record.SequenceParameterSets.Count > 0 && SequenceParameterSetParser.TryParse(record.SequenceParameterSets[0], out var sps))
            {
                (width, height) = (sps.Width, sps.Height);
            }

            if (width > 0 && height > 0)
            {
                properties.Add(new("width", Amf0Value.FromNumber(width)));
                properties.Add(new("height", Amf0Value.FromNumber(height)));
            }

            properties.Add(new("videocodecid", Amf0Value.FromNumber(FlvVideoTagHeader.AvcCodecId)));
        }

        if (stream.Audio is { } audio && SoundFormat(audio.Codec) is { } format)
        {
            properties.Add(new("audiocodecid", Amf0Value.FromNumber(format)));
            properties.Add(new("audiosamplerate", Amf0Value.FromNumber(audio.SampleRate)));
            properties.Add(new("audiochannels", Amf0Value.FromNumber(audio.Channels)));
            properties.Add(new("stereo", Amf0Value.FromBoolean(audio.Channels == 2)));
        }

        properties.Add(new("encoder", Amf0Value.FromString("EmsSharp")));
        return Amf0Value.FromEcmaArray(properties);
    }

    /// <summary>
    /// Turns the frames the reader holds into messages on <paramref name="session"/> until it holds none or the session's
    /// transmit buffer reaches <paramref name="maxPendingBytes"/> (at least one frame is taken), so what one player queues
    /// between two sends stays bounded. Returns the number of frames read.
    /// </summary>
    public int Drain(IRtmpMediaSink session, int maxPendingBytes)
    {
        int read = 0, frames = 0, audioFrames = 0;
        long bytes = 0, audioBytes = 0;
        while ((read == 0 || session.PendingTransmitBytes < maxPendingBytes) && reader.TryRead(out var frame))
        {
            read++;
            var sent = Write(session, frame);
            if (sent < 0)
            {
                SkippedFrames++;
                continue;
            }

            SentFrames++;
            frames++;
            bytes += sent;
            if (frame.Kind == TrackKind.Audio)
            {
                audioFrames++;
                audioBytes += sent;
            }
        }

        SentBytes += bytes;
        LastDrain = (frames, bytes, audioFrames, audioBytes);
        return read;
    }

    /// <summary>
    /// Writes one frame of <see cref="Stream"/> (read by the caller) to <paramref name="sink"/>, preceded by its track's
    /// sequence header when it is the first or changed (an FLV file writer uses this as players do); the message bytes
    /// written, or -1 when FLV cannot carry it. Counts nothing.
    /// </summary>
    public int Write(IRtmpMediaSink sink, in MediaFrame frame) =>
        frame.Kind == TrackKind.Video ? SendVideo(sink, frame) : SendAudio(sink, frame);

    /// <summary>Detaches from the stream.</summary>
    public void Dispose() => reader.Dispose();

    private int SendVideo(IRtmpMediaSink session, in MediaFrame frame)
    {
        if (frame.Codec != MediaCodec.H264 || Stream.Video is not { Codec: MediaCodec.H264 } config)
        {
            return -1;
        }

        var timestamp = Relative(frame.Dts * 1000 / VideoTrackConfig.ClockRate);
        Span<byte> header = stackalloc byte[5];
        var sent = 0;
        if (!SameVideo(_sentVideo, config))
        {
            // FLV E.4.3.1: an AVC sequence header carries the AVCDecoderConfigurationRecord; composition time 0.
            new FlvVideoTagHeader(AvcKeyframe, FlvVideoTagHeader.AvcCodecId, AvcSequenceHeader, 0).TryWrite(header, out _);
            session.WriteVideo(MessageStreamId, timestamp, header, config.DecoderConfiguration.Span);
            sent += header.Length + config.DecoderConfiguration.Length;
        }

        _sentVideo = config;
        var composition = (int)Math.Clamp((frame.Pts - frame.Dts) * 1000 / VideoTrackConfig.ClockRate, -0x800000, 0x7FFFFF); // SI24
        new FlvVideoTagHeader(frame.IsKeyframe ? AvcKeyframe : AvcInterFrame, FlvVideoTagHeader.AvcCodecId, AvcNalu, composition)
            .TryWrite(header, out _);
        session.WriteVideo(MessageStreamId, timestamp, header, frame.Payload.Span);
        return sent + header.Length + frame.Payload.Length;
    }

    private int SendAudio(IRtmpMediaSink session, in MediaFrame frame)
    {
        if (Stream.Audio is not { } config || config.Codec != frame.Codec || SoundFormat(config.Codec) is not { } format || config.SampleRate <= 0)
        {
            return -1;
        }

        var timestamp = Relative(frame.Dts * 1000 / config.SampleRate);
        Span<byte> header = stackalloc byte[2];
        var sent = 0;
        if (format == FlvAudioTagHeader.AacFormat)
        {
            // FLV E.4.2.1: AAC is always flagged 44 kHz stereo; the AudioSpecificConfig says what it really is.
            if (!SameAudio(_sentAudio, config))
            {
                new FlvAudioTagHeader(format, 3, true, AacSequenceHeader).TryWrite(header, out _);
                session.WriteAudio(MessageStreamId, timestamp, header, config.DecoderConfiguration.Span);
                sent += header.Length + config.DecoderConfiguration.Length;
            }

            new FlvAudioTagHeader(format, 3, true, AacRaw).TryWrite(header, out var written);
            session.WriteAudio(MessageStreamId, timestamp, header[..written], frame.Payload.Span);
            _sentAudio = config;
            return sent + written + frame.Payload.Length;
        }

        // G.711: 8 kHz, so the rate code is 0 (5.5 kHz; players take G.711 as 8 kHz whatever it says).
        new FlvAudioTagHeader(format, 0, config.Channels == 2, 0).TryWrite(header, out var g711);
        session.WriteAudio(MessageStreamId, timestamp, header[..g711], frame.Payload.Span);
        _sentAudio = config;
        return g711 + frame.Payload.Length;
    }

    // RTMP 1.0 §5.3.1.2: 32-bit millisecond timestamps (they wrap after 2^32 ms); relative to the first frame sent, and
    // never before it (a track's frame a few ms older than the other's first is sent at 0).
    private uint Relative(long milliseconds)
    {
        _baseMs ??= absoluteTimestamps ? 0 : milliseconds;
        return (uint)(Math.Max(0, milliseconds - _baseMs.Value) & 0xFFFF_FFFF);
    }

    private static byte? SoundFormat(MediaCodec codec) => codec switch
    {
        MediaCodec.Aac => FlvAudioTagHeader.AacFormat,
        MediaCodec.Pcma => FlvAudioTagHeader.AlawFormat,
        MediaCodec.Pcmu => FlvAudioTagHeader.MulawFormat,
        _ => null,
    };

    private static bool SameVideo(VideoTrackConfig? sent, VideoTrackConfig now) =>
        ReferenceEquals(sent, now) || (sent is not null && sent.DecoderConfiguration.Span.SequenceEqual(now.DecoderConfiguration.Span));

    private static bool SameAudio(AudioTrackConfig? sent, AudioTrackConfig now) =>
        ReferenceEquals(sent, now) || (sent is not null && sent.DecoderConfiguration.Span.SequenceEqual(now.DecoderConfiguration.Span));
}
