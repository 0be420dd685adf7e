using EmsSharp.Media.Fmp4;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// The <see cref="Fmp4Muxer"/> tracks of a hub stream's track configurations, shared by the fMP4 deliveries (WS-FMP4 packets,
/// HLS segments): H.264 video, AAC or Opus audio; any other codec or an unreadable configuration gives no track.
/// </summary>
internal static class Fmp4Tracks
{
    /// <summary>A muxer for the tracks it can carry, or null when it can carry none.</summary>
    public static Fmp4Muxer? CreateMuxer(VideoTrackConfig? video, AudioTrackConfig? audio, Fmp4MuxerOptions? options)
    {
        Fmp4VideoTrack? videoTrack = null;
        Fmp4AudioTrack? audioTrack = null;
        if (video is { Codec: MediaCodec.H264 } && Fmp4VideoTrack.TryCreate(video.DecoderConfiguration.Span, out var v))
        {
            videoTrack = v;
        }

        if (audio is { Codec: MediaCodec.Aac } && Fmp4AudioTrack.TryCreate(audio.DecoderConfiguration.Span, out var a))
        {
            audioTrack = a;
        }
        else if (audio is { Codec: MediaCodec.Opus } && Fmp4AudioTrack.TryCreateOpus(audio.DecoderConfiguration.Span, audio.Channels, out var opus))
        {
            audioTrack = opus;
        }

        return videoTrack is null && audioTrack is null ? null : new Fmp4Muxer(videoTrack, audioTrack, options);
    }

    /// <summary>Whether two video configurations carry the same codec and bytes (a muxer built for one fits the other).</summary>
    public static bool SameVideo(VideoTrackConfig? a, VideoTrackConfig? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.Codec == b.Codec
            && a.DecoderConfiguration.Span.SequenceEqual(b.DecoderConfiguration.Span));

    /// <summary>Whether two audio configurations carry the same codec and bytes.</summary>
    public static bool SameAudio(AudioTrackConfig? a, AudioTrackConfig? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.Codec == b.Codec
            && a.DecoderConfiguration.Span.SequenceEqual(b.DecoderConfiguration.Span));

    /// <summary>Pushes a hub frame into the muxer when it has a track of that kind and codec; false when the frame does not fit.</summary>
    public static bool TryPush(Fmp4Muxer muxer, in MediaFrame frame, AudioTrackConfig? audio)
    {
        if (frame.Kind == TrackKind.Video && muxer.Video is not null && frame.Codec == MediaCodec.H264)
        {
            muxer.PushVideo(frame.Payload.Span, frame.Dts, frame.Pts, frame.IsKeyframe);
            return true;
        }

        if (frame.Kind == TrackKind.Audio && muxer.Audio is not null && audio is not null && frame.Codec == audio.Codec)
        {
            muxer.PushAudio(frame.Payload.Span, frame.Dts);
            return true;
        }

        return false;
    }
}
